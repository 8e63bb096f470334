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

func TestEnsureUserFillsOnlyANewProfile(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	if err := s.EnsureUser(ctx, todo.User{ID: "ann", Email: "ann@example.com", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, "ann")
	if u.Email != "ann@example.com" || u.Location.String() != "America/New_York" {
		t.Fatalf("new user from claims: %+v", u)
	}
	// The user sets a zone in the profile; later tokens, with other claims or none, do not
	// undo it.
	if _, err := s.UpdateProfile(ctx, "ann", todo.ProfileChanges{TimeZone: ptr("Europe/Berlin")}); err != nil {
		t.Fatal(err)
	}
	for _, claims := range []todo.User{{ID: "ann"}, {ID: "ann", Email: "other@example.com", TimeZone: "Asia/Tokyo"}} {
		if err := s.EnsureUser(ctx, claims); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.Profile(ctx, "ann")
	if err != nil || p.Email == nil || *p.Email != "ann@example.com" || p.TimeZone != "Europe/Berlin" {
		t.Fatalf("profile after later tokens: %+v %v", p, err)
	}
	err = s.EnsureUser(ctx, todo.User{ID: "cy", TimeZone: "Mars/Olympus"})
	if e := todo.AsError(err); e == nil || e.Code != todo.Unauthorized || e.Field != "tz" {
		t.Fatalf("bad zone: %v", err)
	}
	if p, _ := s.Profile(ctx, "cy"); p.TimeZone != "UTC" || p.Email != nil {
		t.Fatalf("a refused token left a profile: %+v", p)
	}
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	// A user the store has not seen gets a profile on first write.
	p, err := s.UpdateProfile(ctx, "dee", todo.ProfileChanges{Email: ptr("dee@example.com")})
	if err != nil || p.TimeZone != "UTC" || p.Email == nil || *p.Email != "dee@example.com" {
		t.Fatalf("first write: %+v %v", p, err)
	}
	// Only the fields given change; "" clears the email.
	p, _ = s.UpdateProfile(ctx, "dee", todo.ProfileChanges{TimeZone: ptr("Asia/Tokyo")})
	if p.Email == nil || p.TimeZone != "Asia/Tokyo" {
		t.Fatalf("zone only: %+v", p)
	}
	p, _ = s.UpdateProfile(ctx, "dee", todo.ProfileChanges{Email: ptr("")})
	if p.Email != nil || p.TimeZone != "Asia/Tokyo" {
		t.Fatalf("cleared email: %+v", p)
	}
	if u, _ := s.User(ctx, "dee"); u.Location.String() != "Asia/Tokyo" || u.Email != "" {
		t.Fatalf("the notification path reads %+v", u)
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
		"rep":                 "rep:*",
		"  Quarterly  REPORT": "quarterly:* & report:*",
		"don't & (panic)!":    "don:* & t:* & panic:*",
		"':*|!<->":            "",
		"café 2027":           "café:* & 2027:*",
	} {
		if got := postgres.SearchQuery(in); got != want {
			t.Errorf("SearchQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
