package pglocal_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/pglocal"
)

func TestStartQueryStop(t *testing.T) {
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := c.Dir()
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		c.Stop()
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "select 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Errorf("select 40 + 2 = %d, %v", n, err)
	}
	conn.Close(ctx)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary data directory %s still exists after Stop", dir)
	}
	if _, err := pgx.Connect(ctx, c.URL()); err == nil {
		t.Error("server still accepts connections after Stop")
	}
}

func TestReuseDataDir(t *testing.T) {
	ctx := context.Background()
	// Under root the server runs as the postgres user, which must reach the directory:
	// MkdirTemp's folder is 0700, so open it up (t.TempDir nests two such folders).
	parent, err := os.MkdirTemp("", "pglocal-reuse-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	os.Chmod(parent, 0o755)
	dir := parent + "/pg"
	c, err := pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL())
	if err == nil {
		_, err = conn.Exec(ctx, "create table kept (v int); insert into kept values (7)")
		conn.Close(ctx)
	}
	c.Stop()
	if err != nil {
		t.Fatal(err)
	}
	c, err = pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	conn, err = pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "select v from kept").Scan(&v); err != nil || v != 7 {
		t.Errorf("data did not survive a restart: %d, %v", v, err)
	}
}
