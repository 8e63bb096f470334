package todo

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The instants a task or reminder may carry: from 1970-01-01 to the end of 2199 (UTC).
// Calendar math (the next instance of a daily task, an offset before due) must always land
// on a time Go and Postgres can both hold, and nobody plans a task for the year 9999 or
// the year 1: without a bound, a task due 9999-12-31 was accepted and completed, and its
// next instance could never be built.
var (
	MinInstant = time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	MaxInstant = time.Date(2200, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)
)

// InstantRange names the accepted range in error messages.
const InstantRange = "between 1970-01-01 and 2199-12-31"

// CheckInstant refuses an instant outside [MinInstant, MaxInstant], naming field.
func CheckInstant(field string, t time.Time) error {
	if t.Before(MinInstant) || t.After(MaxInstant) {
		return Errorf(Invalid, field, "%s must be %s", field, InstantRange)
	}
	return nil
}

// checkWhen is CheckInstant for a time as sent: a zone-less one is checked on its wall
// clock with a day of margin either side, for the zones of the world.
func checkWhen(field string, w When) error {
	if w.Local == nil {
		return CheckInstant(field, w.At)
	}
	return CheckInstant(field, w.Local.wall)
}

// CheckText refuses text Postgres cannot store or a person cannot read: a NUL character or
// bytes that are not UTF-8. Every string a user sends passes through it before it reaches
// the store, so such input is a 400 naming the field, never a 500.
func CheckText(field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return Errorf(Invalid, field, "%s must not contain a NUL character", field)
	}
	if !utf8.ValidString(s) {
		return Errorf(Invalid, field, "%s must be UTF-8 text", field)
	}
	return nil
}

// Truncate shortens s to at most n bytes without cutting a character in two, and makes it
// text Postgres accepts (invalid UTF-8 replaced, NUL removed): error messages recorded on
// a reminder or an outbox row go through it, so recording a failure cannot itself fail.
func Truncate(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
