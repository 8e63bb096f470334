package recur_test

import (
	"testing"
	"time"

	"github.com/taskline/taskline/shared/recur"
	"github.com/taskline/taskline/shared/todo"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNext(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	berlin := mustLoad(t, "Europe/Berlin")
	d := func(loc *time.Location, y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, loc)
	}
	tests := []struct {
		name    string
		p       todo.Recurrence
		anchor  time.Time // also the previous due date unless prev is set
		prev    time.Time
		loc     *time.Location
		now     time.Time
		end     *time.Time
		want    time.Time
		wantNil bool
	}{
		{name: "daily keeps local time", p: todo.Daily, anchor: d(time.UTC, 2026, 11, 26, 9, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			want: d(time.UTC, 2026, 11, 27, 9, 0)},
		{name: "daily later today stays tomorrow", p: todo.Daily, anchor: d(time.UTC, 2026, 11, 26, 23, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			want: d(time.UTC, 2026, 11, 27, 23, 0)},
		{name: "weekly", p: todo.Weekly, anchor: d(time.UTC, 2026, 11, 26, 9, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			want: d(time.UTC, 2026, 12, 3, 9, 0)},
		{name: "monthly Jan 31 clamps to Feb 28", p: todo.Monthly, anchor: d(time.UTC, 2027, 1, 31, 9, 0), now: d(time.UTC, 2027, 1, 31, 10, 0), loc: time.UTC,
			want: d(time.UTC, 2027, 2, 28, 9, 0)},
		{name: "monthly Feb 28 goes back to Mar 31", p: todo.Monthly, anchor: d(time.UTC, 2027, 1, 31, 9, 0), prev: d(time.UTC, 2027, 2, 28, 9, 0), now: d(time.UTC, 2027, 2, 28, 10, 0), loc: time.UTC,
			want: d(time.UTC, 2027, 3, 31, 9, 0)},
		{name: "monthly Mar 31 to Apr 30", p: todo.Monthly, anchor: d(time.UTC, 2027, 1, 31, 9, 0), prev: d(time.UTC, 2027, 3, 31, 9, 0), now: d(time.UTC, 2027, 3, 31, 10, 0), loc: time.UTC,
			want: d(time.UTC, 2027, 4, 30, 9, 0)},
		{name: "monthly leap year Feb 29", p: todo.Monthly, anchor: d(time.UTC, 2028, 1, 31, 9, 0), now: d(time.UTC, 2028, 1, 31, 10, 0), loc: time.UTC,
			want: d(time.UTC, 2028, 2, 29, 9, 0)},
		{name: "daily across DST start keeps 09:00 New York", p: todo.Daily, anchor: d(ny, 2027, 3, 13, 9, 0), now: d(ny, 2027, 3, 13, 10, 0), loc: ny,
			want: d(ny, 2027, 3, 14, 9, 0)},
		{name: "weekly across DST end keeps 09:00 Berlin", p: todo.Weekly, anchor: d(berlin, 2026, 10, 22, 9, 0), now: d(berlin, 2026, 10, 22, 10, 0), loc: berlin,
			want: d(berlin, 2026, 10, 29, 9, 0)},
		{name: "overdue series lands in the future", p: todo.Daily, anchor: d(time.UTC, 2026, 1, 1, 9, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			want: d(time.UTC, 2026, 11, 27, 9, 0)},
		{name: "overdue monthly keeps the anchor day", p: todo.Monthly, anchor: d(time.UTC, 2025, 1, 31, 9, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			want: d(time.UTC, 2026, 11, 30, 9, 0)},
		{name: "end date inclusive", p: todo.Daily, anchor: d(time.UTC, 2026, 11, 26, 9, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			end: ptr(d(time.UTC, 2026, 11, 27, 9, 0)), want: d(time.UTC, 2026, 11, 27, 9, 0)},
		{name: "past the end date no instance", p: todo.Daily, anchor: d(time.UTC, 2026, 11, 26, 9, 0), now: d(time.UTC, 2026, 11, 26, 12, 0), loc: time.UTC,
			end: ptr(d(time.UTC, 2026, 11, 27, 8, 59)), wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prev := tt.prev
			if prev.IsZero() {
				prev = tt.anchor
			}
			got, ok := recur.Next(tt.p, recur.AnchorOf(tt.anchor, tt.loc), prev, tt.loc, tt.now, tt.end)
			if tt.wantNil {
				if ok {
					t.Fatalf("got %v, want no next instance", got)
				}
				return
			}
			if !ok || !got.Equal(tt.want) {
				t.Fatalf("got %v (%v), want %v", got, ok, tt.want)
			}
			if got.In(tt.loc).Hour() != tt.anchor.In(tt.loc).Hour() {
				t.Errorf("local hour changed: %v", got.In(tt.loc))
			}
		})
	}
}

func TestChainWithoutDrift(t *testing.T) {
	t.Parallel()
	// Follow a monthly series for two years: every instance must sit on the 31st or the
	// month's last day, never drifting to the 28th.
	a := recur.AnchorOf(time.Date(2027, 1, 31, 18, 30, 0, 0, time.UTC), time.UTC)
	prev := time.Date(2027, 1, 31, 18, 30, 0, 0, time.UTC)
	for i := 0; i < 24; i++ {
		next, ok := recur.Next(todo.Monthly, a, prev, time.UTC, prev, nil)
		if !ok {
			t.Fatal("series ended")
		}
		last := time.Date(next.Year(), next.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if want := min(31, last); next.Day() != want {
			t.Fatalf("instance %d is %v, want day %d", i, next, want)
		}
		prev = next
	}
}

func TestWallRoundTrip(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	a := recur.AnchorOf(time.Date(2027, 3, 14, 9, 15, 0, 0, ny), ny)
	if b := recur.AnchorFromWall(a.Wall()); b != a {
		t.Fatalf("anchor %v became %v through Wall", a, b)
	}
}

func ptr[T any](v T) *T { return &v }
