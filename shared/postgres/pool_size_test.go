package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
)

// The chart gives each pod its share of the connection budget as DATABASE_POOL_MAX_CONNS:
// the pool never opens more, and a value that is not a positive number stops the function
// at start instead of silently using pgx's default.
func TestPoolSizeFromTheConnectionBudget(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_POOL_MAX_CONNS", "3")
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != 3 {
		t.Fatalf("pool max conns %d, want 3", got)
	}
	t.Setenv("DATABASE_POOL_MAX_CONNS", "zero")
	if _, err := postgres.Open(context.Background(), url); err == nil || !strings.Contains(err.Error(), "DATABASE_POOL_MAX_CONNS") {
		t.Fatalf("a bad pool size opened a pool: %v", err)
	}
}
