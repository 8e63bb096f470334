package intent

import (
	"time"

	"github.com/taskline/taskline/shared/todo"
)

// Kind is what a message asks for.
type Kind string

// The kinds of message.
const (
	Add      Kind = "add"
	List     Kind = "list"
	Search   Kind = "search"
	Complete Kind = "complete"
	Reopen   Kind = "reopen"
	Update   Kind = "update"
	Delete   Kind = "delete"
	Remind   Kind = "remind"
	Tag      Kind = "tag"
	Help     Kind = "help"
	Unknown  Kind = "unknown"
)

// Intent is what one message was read as.
type Intent struct {
	Kind Kind
	// Ref is the existing task the message is about (complete, reopen, update, delete,
	// remind, tag); nil when the message names none (then Question asks which).
	Ref *Ref
	// Task is the new task (add) or the new values (update: only those mentioned are set).
	Task Fields
	// Filter is what to list or search for.
	Filter Filter
	// Reminder is a reminder to set: on the new task (add) or on Ref (remind).
	Reminder *Reminder
	// Question, when not empty, is what to ask the user instead of acting: the message
	// was understood only in part (an add without a title, a command without a task, a
	// repetition the task model cannot hold). The other fields hold what was understood.
	Question string
	// Spans say which part of the text was read as what, in text order.
	Spans []Span
}

// Ref names an existing task: by number ("task 3", "#3", "3") or by words of its title.
// Exactly one of ID and Title is set. Resolving a title (a unique match, or a question
// back) is the caller's job: it needs the store.
type Ref struct {
	ID    int64
	Title string
}

// Fields are a task's values read from a message. Nil means not mentioned.
type Fields struct {
	Title *string
	// Due is an instant resolved in the user's zone. A day named without a time is the end
	// of that day, 23:59 local, so the task is not overdue until the day is over.
	Due        *time.Time
	Priority   *todo.Priority
	Recurrence *todo.Recurrence
	// RecurrenceDay is the day of the month a monthly series keeps (31: the month's last
	// day) when it differs from Due's day: "every month on the 31st" read in February is
	// due Feb 28 but should recur on the 31st (Mar 31), not the 28th. Zero otherwise.
	RecurrenceDay int
	// RecurrenceEnd is the last instant of the series' last day in the user's zone (the
	// instant todo.EndDate{IsDay: true}.In(loc) gives). "until march" runs through the end of
	// March's last day.
	RecurrenceEnd *time.Time
	// Tags are the names of #tags, without '#', in the order written, without repeats
	// (ignoring case).
	Tags []string
	// ClearDue is set by "no due date", "remove the due date" (update).
	ClearDue bool
}

// Filter is what a list or search asks for. Times are half-open like todo.TaskQuery:
// DueAfter inclusive, DueBefore exclusive.
type Filter struct {
	Status    todo.Status // "" (any), todo.StatusPending or todo.StatusCompleted
	Priority  *todo.Priority
	DueAfter  *time.Time
	DueBefore *time.Time
	Tags      []string
	Search    string
}

// Reminder is a reminder to set. Exactly one of Before and At is set.
type Reminder struct {
	Before time.Duration // before the task's due time
	At     *time.Time
}

// Span is a part of the message read as one thing: byte offsets into the text, End
// exclusive. Kind is one of the Span* names.
type Span struct {
	Start, End int
	Kind       string
}

// The kinds of span.
const (
	SpanDue           = "due"
	SpanRecurrence    = "recurrence"
	SpanRecurrenceEnd = "recurrence_end"
	SpanPriority      = "priority"
	SpanTag           = "tag"
	SpanReminder      = "reminder"
	SpanTitle         = "title"
	SpanRef           = "ref"    // the words naming an existing task
	SpanStatus        = "status" // list: pending/completed/overdue
	SpanSearch        = "search" // list/search: the words searched for
)
