// Package recur computes the next occurrence of a recurring task: calendar math in the
// user's time zone, without drift.
//
// What must stay true:
//   - daily adds one calendar day, weekly seven, monthly one calendar month;
//   - monthly keeps the anchor's day of month, clamped to the month's last day, so
//     Jan 31 -> Feb 28 -> Mar 31 (the anchor, not the clamped date, carries forward);
//   - the local wall-clock time of the anchor is kept across DST changes (09:00 stays
//     09:00 local; a time that does not exist on the day moves forward as Go's time.Date does);
//   - the result lies strictly after now, skipping missed occurrences;
//   - nothing is returned past the end.
package recur

import (
	"time"

	"github.com/rickb777/date/v2"
	"github.com/rickb777/date/v2/clock"

	"github.com/taskline/taskline/shared/todo"
)

// Anchor is the local wall-clock date and time a series was first due. Later instances
// are computed from it so clamping and DST never accumulate.
type Anchor struct {
	Day   date.Date
	Clock clock.Clock
}

// AnchorOf reads the anchor from an instant in loc.
func AnchorOf(t time.Time, loc *time.Location) Anchor {
	lt := t.In(loc)
	return Anchor{Day: date.NewAt(lt), Clock: clock.New(lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond()/int(time.Millisecond))}
}

// AnchorOnDay is the anchor of a monthly series that keeps day of the month and is first
// due at t (on that day, or on the last day of a shorter month): the latest date on or
// before t's date whose day is day, at t's clock, so Feb 28 with day 31 is anchored at
// Jan 31 and the series goes on to Mar 31.
func AnchorOnDay(t time.Time, loc *time.Location, day int) Anchor {
	a := AnchorOf(t, loc)
	y, m, d := a.Day.Date()
	for range 12 {
		if day <= d && day <= daysIn(y, m) {
			a.Day = date.New(y, m, day)
			return a
		}
		m, d = m-1, 31
		if m < time.January {
			y, m = y-1, time.December
		}
	}
	return a
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// Wall is the anchor as a zone-less wall-clock time (how it is stored).
func (a Anchor) Wall() time.Time {
	y, m, d := a.Day.Date()
	return time.Date(y, m, d, a.Clock.Hour(), a.Clock.Minute(), a.Clock.Second(), a.Clock.Millisecond()*int(time.Millisecond), time.UTC)
}

// AnchorFromWall is the inverse of Wall.
func AnchorFromWall(w time.Time) Anchor { return AnchorOf(w, time.UTC) }

// Next returns the first occurrence of the series after prev that lies after now, in loc,
// and whether there is one on or before end (nil end: no end).
//
// prev is the instance's due date (or its completion time when it had none); anchor is the
// series' anchor (use AnchorOf(prev, loc) when none is stored).
func Next(p todo.Recurrence, anchor Anchor, prev time.Time, loc *time.Location, now time.Time, end *time.Time) (time.Time, bool) {
	// k counts steps from the anchor. Start from the step that lands on or just after prev
	// and walk forward; it is a handful of iterations unless a series was ignored for years,
	// and then we jump close first.
	k := max(0, stepsBefore(p, anchor, prev.In(loc)))
	for range 1000 {
		k++
		t := at(p, anchor, k, loc)
		if !t.After(prev) || !t.After(now) {
			// Skip missed occurrences in one jump: stepsBefore never overshoots.
			k = max(k, stepsBefore(p, anchor, now.In(loc)))
			continue
		}
		if end != nil && t.After(*end) {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}

// at is the k-th occurrence after the anchor, in loc.
func at(p todo.Recurrence, a Anchor, k int, loc *time.Location) time.Time {
	var d date.Date
	switch p {
	case todo.Daily:
		d = a.Day.AddDate(0, 0, k)
	case todo.Weekly:
		d = a.Day.AddDate(0, 0, 7*k)
	case todo.Monthly:
		y, m, day := a.Day.Date()
		first := date.New(y, m, 1).AddDate(0, k, 0)
		if last := first.LastDayOfMonth(); day > last {
			day = last
		}
		d = first.AddDate(0, 0, day-1)
	default:
		return time.Time{}
	}
	y, m, dd := d.Date()
	c := a.Clock
	return time.Date(y, m, dd, c.Hour(), c.Minute(), c.Second(), c.Millisecond()*int(time.Millisecond), loc)
}

// stepsBefore estimates how many whole steps lie between the anchor and t (may be one off;
// Next corrects by walking).
func stepsBefore(p todo.Recurrence, a Anchor, t time.Time) int {
	days := int(date.NewAt(t) - a.Day)
	switch p {
	case todo.Daily:
		return days - 1
	case todo.Weekly:
		return days/7 - 1
	case todo.Monthly:
		ay, am, _ := a.Day.Date()
		return (t.Year()-ay)*12 + int(t.Month()-am) - 1
	}
	return 0
}
