package todo

import (
	"strconv"
	"strings"
	"time"
)

// ReminderStatus is where a reminder is in its life.
type ReminderStatus string

// The statuses. pending -> triggered -> sent; triggered -> retrying -> triggered ... -> failed;
// pending/retrying -> cancelled.
const (
	ReminderPending   ReminderStatus = "pending"
	ReminderTriggered ReminderStatus = "triggered"
	ReminderSent      ReminderStatus = "sent"
	ReminderRetrying  ReminderStatus = "retrying"
	ReminderFailed    ReminderStatus = "failed"
	ReminderCancelled ReminderStatus = "cancelled"
)

// JSONSchema lists the statuses, for API documents.
func (ReminderStatus) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []any{string(ReminderPending), string(ReminderTriggered), string(ReminderSent),
		string(ReminderRetrying), string(ReminderFailed), string(ReminderCancelled)}}
}

// DefaultBeforeDue is used when a reminder names neither a time nor an offset.
const DefaultBeforeDue = time.Hour

// MaxBeforeDue bounds an offset; a year ahead is as far as anyone plans a nudge.
const MaxBeforeDue = 366 * 24 * time.Hour

// Reminder is a request to be emailed about a task at a time.
type Reminder struct {
	ID        int64          `json:"id"`
	TaskID    int64          `json:"task_id"`
	TaskTitle string         `json:"task_title"`
	RemindAt  time.Time      `json:"remind_at"`
	BeforeDue *string        `json:"before_due"`
	Status    ReminderStatus `json:"status"`
	Sent      bool           `json:"sent"`
	SentAt    *time.Time     `json:"sent_at"`
	Attempts  int            `json:"attempts"`
	LastError *string        `json:"last_error,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// ReminderInput is the body of POST /reminders. null means the same as absent for both
// times: with neither, the reminder is 1 hour before the due date.
type ReminderInput struct {
	TaskID    int64            `json:"task_id"`
	RemindAt  Optional[string] `json:"remind_at" jsonschema:"A future RFC 3339 time, or a date and time without a zone read in the user's time zone."`
	BeforeDue Optional[string] `json:"before_due" jsonschema:"An offset before the due date: 30m, 1h, 1d, 1w (at most 366d). With neither time (or null): 1h."`
}

// ReminderSpec is validated reminder input: either an instant or an offset before due.
type ReminderSpec struct {
	TaskID int64
	At     *time.Time
	// AtLocal is a remind_at sent without a zone; In resolves it into At.
	AtLocal   *LocalTime
	BeforeDue time.Duration // used when At and AtLocal are nil
}

// In resolves a zone-less remind_at in loc, the user's zone.
func (s ReminderSpec) In(loc *time.Location) ReminderSpec {
	if s.AtLocal != nil {
		at := s.AtLocal.In(loc)
		s.At, s.AtLocal = &at, nil
	}
	return s
}

// Spec validates the input. Whether the time lies in the future, and whether the task has a
// due date for an offset, is checked against the task in the store.
func (in ReminderInput) Spec() (ReminderSpec, error) {
	s := ReminderSpec{TaskID: in.TaskID}
	if in.TaskID <= 0 {
		return s, Errorf(Invalid, "task_id", "task_id is required")
	}
	hasAt := in.RemindAt.Set && !in.RemindAt.Null
	hasOffset := in.BeforeDue.Set && !in.BeforeDue.Null
	if hasAt && hasOffset {
		return s, Errorf(Invalid, "remind_at", "give remind_at or before_due, not both")
	}
	switch {
	case hasAt:
		w, err := ParseWhen(in.RemindAt.Value)
		if err != nil {
			return s, Errorf(Invalid, "remind_at", "remind_at must be %s", timeForms)
		}
		if err := checkWhen("remind_at", w); err != nil {
			return s, err
		}
		if w.Local != nil {
			s.AtLocal = w.Local
		} else {
			s.At = &w.At
		}
	case hasOffset:
		d, err := ParseOffset(in.BeforeDue.Value)
		if err != nil {
			return s, Errorf(Invalid, "before_due", "before_due must be a positive offset such as 30m, 1h, 1d or 1w (at most 366d)")
		}
		s.BeforeDue = d
	default:
		s.BeforeDue = DefaultBeforeDue
	}
	return s, nil
}

// ParseOffset reads an offset such as "90s", "30m", "1h30m", "1d" or "2w".
func ParseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	switch {
	case strings.HasSuffix(s, "d") || strings.HasSuffix(s, "w"):
		n, e := strconv.Atoi(s[:len(s)-1])
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		// Bound n before multiplying: a large count would overflow into a small duration
		// ("142880868177984d" became 1h0m4s).
		if e == nil && (n <= 0 || n > int(MaxBeforeDue/unit)) {
			e = strconv.ErrRange
		}
		d, err = time.Duration(n)*unit, e
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 || d > MaxBeforeDue {
		return 0, Errorf(Invalid, "before_due", "bad offset %q", s)
	}
	return d, nil
}

// FormatOffset writes an offset the way people write it: 1d, 2w, 1h, 30m, 1h30m.
func FormatOffset(d time.Duration) string {
	switch {
	case d%(7*24*time.Hour) == 0:
		return strconv.Itoa(int(d/(7*24*time.Hour))) + "w"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	s := d.String() // e.g. 1h30m0s
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
