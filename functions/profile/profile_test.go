package profile_test

import (
	"context"
	"testing"
	"time"

	"github.com/taskline/taskline/functions/profile"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type answer struct {
	UserID    string    `json:"user_id"`
	Email     *string   `json:"email"`
	TZ        string    `json:"tz"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func TestProfile(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, profile.Routes)
	var p answer
	api.Do("ann", "GET", "/api/ann/profile", nil).Expect(t, 200).Decode(t, &p)
	if p.UserID != "ann" || p.TZ != "UTC" || p.Email != nil || p.CreatedAt.IsZero() {
		t.Fatalf("new profile %+v", p)
	}
	api.Do("ann", "PATCH", "/api/ann/profile", map[string]any{"tz": "America/New_York"}).Expect(t, 200).Decode(t, &p)
	if p.TZ != "America/New_York" || p.Email != nil {
		t.Fatalf("after setting tz: %+v", p)
	}
	api.Do("ann", "PATCH", "/api/ann/profile", map[string]any{"email": "ann@example.com"}).Expect(t, 200).Decode(t, &p)
	if p.TZ != "America/New_York" || p.Email == nil || *p.Email != "ann@example.com" {
		t.Fatalf("after setting email: %+v", p)
	}
	api.Do("ann", "GET", "/api/ann/profile", nil).Expect(t, 200).Decode(t, &p)
	if p.TZ != "America/New_York" || p.Email == nil {
		t.Fatalf("read back: %+v", p)
	}

	// Bad input names the field and changes nothing.
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"tz": "Mars/Olympus"}, "tz"},
		{map[string]any{"tz": "Local"}, "tz"},
		{map[string]any{"tz": ""}, "tz"},
		{map[string]any{"tz": 5}, "tz"},
		{map[string]any{"email": "not an address"}, "email"},
		{map[string]any{"email": "Ann <ann@example.com>"}, "email"},
		{map[string]any{"email": "ann@example.com", "tz": "Nowhere/City"}, "tz"},
		{map[string]any{"user_id": "bob"}, "user_id"},
	} {
		api.Do("ann", "PATCH", "/api/ann/profile", tc.body).ExpectError(t, 400, tc.field)
	}
	api.Do("ann", "GET", "/api/ann/profile", nil).Expect(t, 200).Decode(t, &p)
	if p.TZ != "America/New_York" || *p.Email != "ann@example.com" {
		t.Fatalf("a refused change was written: %+v", p)
	}

	// null resets the zone to UTC and clears the email.
	api.Do("ann", "PATCH", "/api/ann/profile", map[string]any{"tz": nil, "email": nil}).Expect(t, 200).Decode(t, &p)
	if p.TZ != "UTC" || p.Email != nil {
		t.Fatalf("after nulls: %+v", p)
	}

	// Another user's profile is out of reach.
	api.Do("bob", "GET", "/api/ann/profile", nil).ExpectError(t, 403, "user_id")
	api.Do("bob", "PATCH", "/api/ann/profile", map[string]any{"tz": "Asia/Tokyo"}).ExpectError(t, 403, "user_id")
	api.Do("", "GET", "/api/ann/profile", nil).ExpectError(t, 401, "authorization")
}

// The profile's zone is the one recurrence uses: a daily 07:00 task in New York stays at
// 07:00 local across the end of daylight saving time, although the token said nothing of
// a zone.
func TestProfileZoneDrivesRecurrence(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, profile.Routes)
	api.Do("ann", "PATCH", "/api/ann/profile", map[string]any{"tz": "America/New_York"}).Expect(t, 200)
	ctx := context.Background()
	s := api.Store
	ny, _ := time.LoadLocation("America/New_York")
	due := time.Date(2026, 10, 31, 7, 0, 0, 0, ny)
	title, prio, daily := "Walk the dog", todo.Medium, todo.Daily
	task, err := s.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &prio,
		DueDate: todo.Some(due), Recurrence: todo.Some(daily)})
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return due.Add(-time.Hour) }
	if _, err := s.CompleteTask(ctx, "ann", task.ID, false); err != nil {
		t.Fatal(err)
	}
	next, _, err := s.SpawnNextOccurrence(ctx, "test", "event-1", "ann", task.ID)
	if err != nil || next == nil {
		t.Fatalf("spawn: %v %v", next, err)
	}
	want := time.Date(2026, 11, 1, 7, 0, 0, 0, ny)
	if !next.DueDate.Equal(want) {
		t.Fatalf("next instance due %v, want %v (07:00 New York time after DST ends)", next.DueDate.In(ny), want)
	}
}
