// Package pgtest gives each test a fresh, migrated database on a real PostgreSQL: the
// server named by DATABASE_URL, or a throwaway cluster this test binary starts (see Main).
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/shared/pglocal"
	"github.com/taskline/taskline/shared/postgres"
)

var (
	mu       sync.Mutex
	server   string // URL of the maintenance database
	cluster  *pglocal.Cluster
	template string
	counter  int
)

// Main runs the package's tests and stops the cluster it may have started. Call it from
// TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if cluster != nil {
		cluster.Stop()
	}
	if template != "" && server != "" {
		dropDatabase(server, template)
	}
	mu.Unlock()
	os.Exit(code)
}

// URL returns the connection string of a new, migrated, empty database that is dropped
// when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	ctx := context.Background()
	if server == "" {
		if u := os.Getenv("DATABASE_URL"); u != "" {
			server = u
		} else {
			c, err := pglocal.Start(ctx, pglocal.Options{})
			if err != nil {
				t.Fatalf("starting a throwaway postgres (or set DATABASE_URL): %v", err)
			}
			cluster, server = c, c.URL()
		}
	}
	if template == "" {
		name := fmt.Sprintf("taskline_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
		if err := exec(server, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("creating template database: %v", err)
		}
		pool, err := pgxpool.New(ctx, withDB(server, name))
		if err != nil {
			t.Fatal(err)
		}
		err = postgres.Migrate(ctx, pool)
		pool.Close()
		if err != nil {
			t.Fatalf("migrating template database: %v", err)
		}
		template = name
	}
	counter++
	name := fmt.Sprintf("%s_%d", strings.Replace(template, "tmpl", "test", 1), counter)
	if err := exec(server, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(server, name) })
	return withDB(server, name)
}

// Store returns a store on a fresh database, with its pool closed when the test ends.
func Store(t testing.TB) *postgres.Store {
	t.Helper()
	pool, err := postgres.Open(context.Background(), URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return postgres.New(pool)
}

func exec(serverURL, sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func dropDatabase(serverURL, name string) {
	exec(serverURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// withDB replaces the database name in a connection URL.
func withDB(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + db
	return u.String()
}
