package todo

import (
	"slices"
	"time"
)

// OpenReminderStatuses are the statuses of a reminder still to be delivered: listed as
// "pending" to users, cancelled with their task, announced as cancelled when deleted. The
// one definition; SQL receives it as a parameter (the due_work view's reminder_is_open
// function is held equal to it by a test).
var OpenReminderStatuses = []ReminderStatus{ReminderPending, ReminderTriggered, ReminderRetrying}

// ReminderStatuses are all the statuses, in the order of a reminder's life.
var ReminderStatuses = []ReminderStatus{ReminderPending, ReminderTriggered, ReminderSent, ReminderRetrying, ReminderFailed, ReminderCancelled}

// Open reports whether the reminder is still to be delivered.
func (s ReminderStatus) Open() bool { return slices.Contains(OpenReminderStatuses, s) }

// ReminderStatusStrings is OpenReminderStatuses (or any list) as strings, for SQL.
func ReminderStatusStrings(list []ReminderStatus) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

// Delivery is what one delivery attempt of a reminder leads to: the delivery retry state
// machine. pending/retrying -(ticker)-> triggered -(attempt)-> sent | retrying | failed.
type Delivery struct {
	Status        ReminderStatus
	NextAttemptAt *time.Time // for retrying
	WillRetry     bool
	// RetryCount is the number of retries used so far (reminder.failed's retry_count).
	RetryCount int
}

// AfterAttempt decides the outcome of the attempt-th attempt (1 for the first) that ended
// at at: sent when it succeeded; otherwise retried after delays[attempt-1] while delays
// last and the failure is not permanent (a 5xx refusal, no address), else failed for good.
func AfterAttempt(attempt int, failed, permanent bool, delays []time.Duration, at time.Time) Delivery {
	if !failed {
		return Delivery{Status: ReminderSent, RetryCount: attempt - 1}
	}
	if !permanent && attempt >= 1 && attempt <= len(delays) {
		next := at.Add(delays[attempt-1])
		return Delivery{Status: ReminderRetrying, NextAttemptAt: &next, WillRetry: true, RetryCount: attempt}
	}
	return Delivery{Status: ReminderFailed, RetryCount: attempt - 1}
}

// MaxPublishAttempts is how many times an event is offered to the broker (or, in process,
// to its consumers) before it is parked for an operator: a poison event must not be
// retried forever, nor hold up anyone else's. Only attempts that failed while the broker
// was taking other events count (see AfterUnheardFailure).
const MaxPublishAttempts = 10

// MaxOutageWait bounds AfterUnheardFailure's wait: how long after a broker comes back its
// backlog may still wait.
const MaxOutageWait = 30 * time.Second

// AfterUnheardFailure is the wait after a publish that failed while the broker had taken
// no event at all since the row was last tried (or written): an outage of the broker or
// its sidecar, not a fault of the event, so the failure does not count toward
// MaxPublishAttempts and an outage of any length parks nothing. The row is tried again
// after half of quiet (how long ago anything was last published; a negative quiet means
// never), between 1 s and MaxOutageWait: retries thin out as the outage lasts, and the
// backlog is retried within MaxOutageWait of the broker's return, not after a backoff
// that grew for the whole outage. An event that fails while nothing else is being
// published (a poison event in an idle system) is retried this way too, until other
// events get through and its failures start to count.
func AfterUnheardFailure(quiet time.Duration) time.Duration {
	if quiet < 0 {
		return MaxOutageWait
	}
	return min(max(quiet/2, time.Second), MaxOutageWait)
}

// AfterPublishFailure decides what happens to an event whose attempts-th publish failed:
// park it once attempts reach MaxPublishAttempts; otherwise wait before the next try, 0
// after the first failure (a crash or a blip: the next sweep retries), then 2 s, 4 s, ...
// doubling up to 5 minutes, so rows that keep failing step out of the sweep's way.
func AfterPublishFailure(attempts int) (wait time.Duration, park bool) {
	if attempts >= MaxPublishAttempts {
		return 0, true
	}
	if attempts <= 1 {
		return 0, false
	}
	wait = time.Second << min(attempts-1, 9)
	return min(wait, 5*time.Minute), false
}
