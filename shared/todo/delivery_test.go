package todo_test

import (
	"testing"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

func TestAfterAttempt(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	delays := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
	for _, tc := range []struct {
		name              string
		attempt           int
		failed, permanent bool
		want              todo.ReminderStatus
		wait              time.Duration
	}{
		{"sent", 1, false, false, todo.ReminderSent, 0},
		{"first failure retries at +1m", 1, true, false, todo.ReminderRetrying, time.Minute},
		{"third failure retries at +15m", 3, true, false, todo.ReminderRetrying, 15 * time.Minute},
		{"fourth failure fails", 4, true, false, todo.ReminderFailed, 0},
		{"a permanent refusal fails at once", 1, true, true, todo.ReminderFailed, 0},
	} {
		got := todo.AfterAttempt(tc.attempt, tc.failed, tc.permanent, delays, at)
		if got.Status != tc.want || (tc.wait != 0) != (got.NextAttemptAt != nil) || got.WillRetry != (tc.want == todo.ReminderRetrying) {
			t.Errorf("%s: %+v", tc.name, got)
			continue
		}
		if tc.wait != 0 && !got.NextAttemptAt.Equal(at.Add(tc.wait)) {
			t.Errorf("%s: next attempt %v", tc.name, got.NextAttemptAt)
		}
	}
	for _, s := range []todo.ReminderStatus{todo.ReminderPending, todo.ReminderTriggered, todo.ReminderRetrying} {
		if !s.Open() {
			t.Errorf("%s is open", s)
		}
	}
	for _, s := range []todo.ReminderStatus{todo.ReminderSent, todo.ReminderFailed, todo.ReminderCancelled} {
		if s.Open() {
			t.Errorf("%s is not open", s)
		}
	}
}

// A failed publish while the broker takes nothing waits half the silence, between 1 s and
// MaxOutageWait: soon at the start of an outage, never longer than 30 s after it ends.
func TestAfterUnheardFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		quiet, want time.Duration
	}{
		{0, time.Second},
		{time.Second, time.Second},
		{10 * time.Second, 5 * time.Second},
		{time.Minute, todo.MaxOutageWait},
		{24 * time.Hour, todo.MaxOutageWait},
		{-1, todo.MaxOutageWait}, // nothing ever published
	} {
		if got := todo.AfterUnheardFailure(tc.quiet); got != tc.want {
			t.Errorf("quiet %v: wait %v, want %v", tc.quiet, got, tc.want)
		}
	}
}
