package todo

import (
	"strings"
	"time"
)

// LocalTime is a date and wall-clock time written without a zone, such as
// "2026-12-03T09:00" from an HTML datetime-local input. It means that time in the user's
// zone (the profile's tz), so it becomes an instant only once the zone is known: In.
type LocalTime struct {
	wall time.Time // the fields, read in UTC
}

// NewLocalTime is the wall clock y-m-d h:min:s.
func NewLocalTime(y int, m time.Month, d, h, min, s int) LocalTime {
	return LocalTime{wall: time.Date(y, m, d, h, min, s, 0, time.UTC)}
}

// String writes it as it is accepted: 2026-12-03T09:00:00.
func (l LocalTime) String() string { return l.wall.Format("2006-01-02T15:04:05.999999") }

// In is the instant the wall clock shows in loc. Around a DST change the wall clock of
// some instants repeats and some wall-clock times never happen; the rule is the one
// browsers apply to a datetime-local value (JavaScript's Date and Temporal's "compatible"):
//   - a time in a gap (02:30 on the morning clocks jump from 02:00 to 03:00) is read with
//     the offset before the jump, so it lands as far after the jump as it was after its
//     start: 03:30 in the new offset;
//   - a time that happens twice (01:30 on the morning clocks fall back from 02:00 to
//     01:00) is the first of the two, in the offset before the change.
func (l LocalTime) In(loc *time.Location) time.Time {
	w := l.wall
	// Zone changes are far more than two days apart, so the offsets in effect a day
	// before and a day after are the only candidates.
	_, before := w.Add(-24 * time.Hour).In(loc).Zone()
	_, after := w.Add(24 * time.Hour).In(loc).Zone()
	first := w.Add(-time.Duration(before) * time.Second)
	second := w.Add(-time.Duration(after) * time.Second)
	shows := func(t time.Time) bool {
		y, mo, d := t.In(loc).Date()
		h, mi, s := t.In(loc).Clock()
		return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC).Equal(w)
	}
	switch a, b := shows(first), shows(second); {
	case a && b:
		if second.Before(first) {
			return second.Round(time.Microsecond)
		}
		return first.Round(time.Microsecond)
	case b:
		return second.Round(time.Microsecond)
	default: // first shows it, or neither does (a gap): the offset before the change
		return first.Round(time.Microsecond)
	}
}

// localLayouts are the zone-less forms accepted: an HTML datetime-local value, with or
// without seconds (and fractions), with a T or a space.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02 15:04:05.999999999"}

// When is a time as a client wrote it: an instant (RFC 3339, with a zone or Z), or a
// LocalTime to be read in the user's zone.
type When struct {
	At    time.Time
	Local *LocalTime
}

// ParseWhen reads an RFC 3339 time or a zone-less date and time (see LocalTime).
func ParseWhen(s string) (When, error) {
	s = strings.TrimSpace(s)
	if t, err := ParseTime(s); err == nil {
		return When{At: t}, nil
	}
	var err error
	for _, layout := range localLayouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return When{Local: &LocalTime{wall: t}}, nil
		}
	}
	return When{}, err
}

// In is the instant, reading a zone-less time in loc.
func (w When) In(loc *time.Location) time.Time {
	if w.Local != nil {
		return w.Local.In(loc)
	}
	return w.At
}

// timeForms is how error messages name the accepted forms of a time.
const timeForms = "an RFC 3339 time such as 2026-12-01T09:00:00Z, or a date and time without a zone such as 2026-12-01T09:00 (read in your time zone)"
