package postgres_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
// its outbox rows, as they are stored (topic, key, event) and leased to the writer for
// PublishLease, never for a write that failed.
func TestOnCommit(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	s.PublishLease = 15 * time.Second
	ctx := context.Background()
	var mu sync.Mutex
	var calls [][]postgres.OutboxMessage
	s.OnCommit = func(_ context.Context, rows []postgres.OutboxMessage) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, rows)
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
	rows, _ := s.Pool().Query(ctx, `SELECT id, topic, partition_key, event, leased_until FROM outbox ORDER BY id`)
	stored, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (postgres.OutboxMessage, error) {
		var m postgres.OutboxMessage
		return m, r.Scan(&m.ID, &m.Topic, &m.Key, &m.Event, &m.LeasedUntil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 {
		t.Fatalf("%d outbox rows, want 2", len(stored))
	}
	for i, want := range stored {
		got := calls[i][0]
		if got.ID != want.ID || got.Topic != want.Topic || got.Key != want.Key || !got.LeasedUntil.Equal(want.LeasedUntil) {
			t.Errorf("hook got row %d %s/%s leased until %v; stored %d %s/%s leased until %v",
				got.ID, got.Topic, got.Key, got.LeasedUntil, want.ID, want.Topic, want.Key, want.LeasedUntil)
		}
		if got.LeasedUntil.Before(time.Now().Add(10 * time.Second)) {
			t.Errorf("row %d leased until %v, want about 15 s from its commit", got.ID, got.LeasedUntil)
		}
		var g, w map[string]any
		if err := json.Unmarshal(got.Event, &g); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(want.Event, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("hook got event %s; stored %s", got.Event, want.Event)
		}
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
