package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestEnsureUserRecordsClaims(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	if err := s.EnsureUser(ctx, todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, "ann")
	if u.Email != "" || u.Location.String() != "UTC" {
		t.Fatalf("new user without claims: %+v", u)
	}
	if err := s.EnsureUser(ctx, todo.User{ID: "ann", Email: "ann@example.com", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	// A later token without the claims keeps what is known.
	if err := s.EnsureUser(ctx, todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	u, _ = s.User(ctx, "ann")
	if u.Email != "ann@example.com" || u.Location.String() != "America/New_York" {
		t.Fatalf("after claims: %+v", u)
	}
	err := s.EnsureUser(ctx, todo.User{ID: "ann", TimeZone: "Mars/Olympus"})
	if e := todo.AsError(err); e == nil || e.Code != todo.Unauthorized || e.Field != "tz" {
		t.Fatalf("bad zone: %v", err)
	}
	if u, _ = s.User(ctx, "ann"); u.Location.String() != "America/New_York" {
		t.Fatalf("a refused zone was stored: %v", u.Location)
	}
}

// TestOnCommit checks the fast path's hook: called once per committed write with exactly
// its outbox rows, never for a write that failed.
func TestOnCommit(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	var mu sync.Mutex
	var calls [][]int64
	s.OnCommit = func(_ context.Context, ids []int64) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, ids)
	}
	s.EnsureUser(ctx, todo.User{ID: "ann"})
	title, pri := "Call mum", todo.Medium
	task, err := s.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &pri, DueDate: todo.Some(time.Now().Add(time.Hour * 5))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: task.ID, At: ptr(time.Now().Add(-time.Minute))}); err == nil {
		t.Fatal("reminder in the past accepted")
	}
	if _, err := s.CompleteTask(ctx, "ann", task.ID, false); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || len(calls[0]) != 1 || len(calls[1]) != 1 {
		t.Fatalf("OnCommit calls %v, want [[create] [complete]]", calls)
	}
	var ids []int64
	rows, _ := s.Pool().Query(ctx, `SELECT id FROM outbox ORDER BY id`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if len(ids) != 2 || ids[0] != calls[0][0] || ids[1] != calls[1][0] {
		t.Fatalf("outbox ids %v, hook got %v", ids, calls)
	}
}

func TestSearchQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"rep":                 "(rep | rep:*)",
		"  Quarterly  REPORT": "(quarterly | quarterly:*) & (report | report:*)",
		"don't & (panic)!":    "(don | don:*) & (t | t:*) & (panic | panic:*)",
		"':*|!<->":            "",
		"café 2027":           "(café | café:*) & (2027 | 2027:*)",
	} {
		if got := postgres.SearchQuery(in); got != want {
			t.Errorf("SearchQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
