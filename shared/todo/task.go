package todo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rickb777/date/v2"
)

// Limits users see in error messages.
const (
	MaxTitle       = 200
	MaxDescription = 1000
	MaxTagsPerTask = 20
)

// CheckTagCount is the one rule on how many tags a task carries, whichever path sets them
// (create, update, adding tags): more than MaxTagsPerTask is a 400 about "tags".
func CheckTagCount(n int) error {
	if n > MaxTagsPerTask {
		return Errorf(Invalid, "tags", "a task can carry at most %d tags", MaxTagsPerTask)
	}
	return nil
}

// Priority orders tasks; higher is more urgent. It is stored as its number so sorting by
// priority is sorting by number.
type Priority int8

// The priorities.
const (
	Low    Priority = 1
	Medium Priority = 2
	High   Priority = 3
)

var priorityNames = map[Priority]string{Low: "low", Medium: "medium", High: "high"}

// ParsePriority reads "low", "medium" or "high" (any case).
func ParsePriority(s string) (Priority, bool) {
	for p, n := range priorityNames {
		if strings.EqualFold(s, n) {
			return p, true
		}
	}
	return 0, false
}

func (p Priority) String() string { return priorityNames[p] }

// JSONSchema describes the JSON form, a name, for API documents.
func (Priority) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []any{"low", "medium", "high"}}
}

// MarshalJSON writes the name.
func (p Priority) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads the name.
func (p *Priority) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, ok := ParsePriority(s)
	if !ok {
		return fmt.Errorf("unknown priority %q", s)
	}
	*p = v
	return nil
}

// Recurrence is how a task repeats.
type Recurrence string

// The recurrence patterns.
const (
	Daily   Recurrence = "daily"
	Weekly  Recurrence = "weekly"
	Monthly Recurrence = "monthly"
)

// JSONSchema lists the patterns, for API documents.
func (Recurrence) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []any{string(Daily), string(Weekly), string(Monthly)}}
}

// Valid reports whether r is one of the patterns.
func (r Recurrence) Valid() bool { return r == Daily || r == Weekly || r == Monthly }

// Task is a user's task as clients see it.
type Task struct {
	ID          int64  `json:"id"`
	UserID      string `json:"user_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Completed   bool   `json:"completed"`
	// IsCompleted is Completed again, under the name the seed's web client reads; it is
	// written from Completed when the task is encoded, so Go code reads Completed.
	IsCompleted       bool        `json:"is_completed"`
	CompletedAt       *time.Time  `json:"completed_at"`
	DueDate           *time.Time  `json:"due_date"`
	Priority          Priority    `json:"priority"`
	RecurrencePattern *Recurrence `json:"recurrence_pattern"`
	RecurrenceEndDate *time.Time  `json:"recurrence_end_date"`
	// RecurrenceDay is the day of the month a monthly series keeps (29 to 31 fall on the
	// last day of shorter months), nil for other tasks.
	RecurrenceDay *int  `json:"recurrence_day"`
	Tags          []Tag `json:"tags"`
	Overdue       bool  `json:"overdue"`
	// SpawnedFrom is the completed instance this one was created from, if any.
	SpawnedFrom *int64    `json:"spawned_from,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MarshalJSON writes the task with is_completed equal to completed.
func (t Task) MarshalJSON() ([]byte, error) {
	type plain Task // without this method
	t.IsCompleted = t.Completed
	return json.Marshal(plain(t))
}

// ComputeOverdue sets Overdue: due in the past and not completed.
func (t *Task) ComputeOverdue(now time.Time) {
	t.Overdue = !t.Completed && t.DueDate != nil && t.DueDate.Before(now)
}

// TagNames lists the names of the task's tags.
func (t *Task) TagNames() []string {
	names := make([]string, len(t.Tags))
	for i, g := range t.Tags {
		names[i] = g.Name
	}
	return names
}

// TaskInput is the JSON body of create and update requests, as sent. Every field is an
// Optional so an update can tell "absent" (leave alone) from null (clear).
type TaskInput struct {
	Title             Optional[string]   `json:"title" jsonschema:"1 to 200 characters; required on create, never null."`
	Description       Optional[string]   `json:"description" jsonschema:"Up to 1000 characters; null clears it."`
	DueDate           Optional[string]   `json:"due_date" jsonschema:"An RFC 3339 time, or a date and time without a zone (2026-12-03T09:00, as a datetime-local input sends it) read in the user's time zone; null or an empty string clears it."`
	Priority          Optional[string]   `json:"priority" jsonschema:"low, medium or high; null means medium."`
	RecurrencePattern Optional[string]   `json:"recurrence_pattern" jsonschema:"daily, weekly or monthly; null clears it (and its end)."`
	RecurrenceEndDate Optional[string]   `json:"recurrence_end_date" jsonschema:"A day (2027-01-31, inclusive in the user's zone) or a time as for due_date; not before the due date; null clears it."`
	RecurrenceDay     Optional[int]      `json:"recurrence_day" jsonschema:"For a monthly series, the day of the month it keeps (1 to 31; 29 to 31 fall on the last day of shorter months), so a series due Feb 28 can go on to Mar 31; null means the due date's day."`
	TagIDs            Optional[[]int64]  `json:"tag_ids" jsonschema:"Ids of the user's tags; with tags, they replace the task's tags (at most 20); null means none."`
	Tags              Optional[[]string] `json:"tags" jsonschema:"Tag names, created when missing; null means none."`
	Completed         Optional[bool]     `json:"completed" jsonschema:"On update: true completes the task (as POST .../complete), false reopens it. A new task cannot start completed."`
	IsCompleted       Optional[bool]     `json:"is_completed" jsonschema:"The same as completed (the seed's web client's name); both given must agree."`
}

// EndDate is a recurrence end: an instant, a wall-clock time without a zone, or a calendar
// day that ends at midnight in the user's zone (so "2026-12-31" includes an instance due
// that evening).
type EndDate struct {
	At    time.Time
	Local *LocalTime
	Day   date.Date
	IsDay bool
}

// In resolves the end to an instant for a user in loc.
func (e EndDate) In(loc *time.Location) time.Time {
	switch {
	case e.IsDay:
		return e.Day.AddDate(0, 0, 1).MidnightIn(loc).Add(-time.Microsecond)
	case e.Local != nil:
		return e.Local.In(loc)
	}
	return e.At
}

func (e EndDate) check(field string) error {
	if e.IsDay {
		return CheckInstant(field, e.Day.MidnightIn(time.UTC))
	}
	return checkWhen(field, When{At: e.At, Local: e.Local})
}

// TaskChanges is validated input. A nil pointer or unset Optional leaves a field as it is.
type TaskChanges struct {
	Title       *string
	Description *string
	DueDate     Optional[time.Time]
	// DueLocal is a due_date sent without a zone; In resolves it into DueDate once the
	// user's zone is known.
	DueLocal      *LocalTime
	Priority      *Priority
	Recurrence    Optional[Recurrence]
	RecurrenceEnd Optional[EndDate]
	// RecurrenceDay is the day of the month a monthly series keeps; null: the due date's.
	RecurrenceDay Optional[int]
	// Tags, when set, replace the task's tags: existing tag ids and names (names are
	// created when missing).
	TagsSet  bool
	TagIDs   []int64
	TagNames []string
	// Completed, when set, completes (true) or reopens (false) the task with the change.
	Completed *bool
}

// Changes validates the input. One meaning of absent and null for every optional field, on
// create and on update alike:
//   - absent leaves the field as it is (on create: its default);
//   - null clears what can be empty: due_date, recurrence_pattern, recurrence_end_date,
//     description (to ""), tags and tag_ids (to none);
//   - null resets what cannot be empty to its default: priority to medium;
//   - title cannot be cleared: null is refused, and a create needs one.
//
// Times without a zone are kept as LocalTime until In knows the user's zone.
func (in TaskInput) Changes(create bool) (TaskChanges, error) {
	var c TaskChanges
	if in.Title.Set || create {
		if in.Title.Null || !in.Title.Set {
			return c, Errorf(Invalid, "title", "title is required")
		}
		t := strings.TrimSpace(in.Title.Value)
		if err := CheckText("title", t); err != nil {
			return c, err
		}
		if t == "" {
			return c, Errorf(Invalid, "title", "title must not be empty")
		}
		if n := utf8.RuneCountInString(t); n > MaxTitle {
			return c, Errorf(Invalid, "title", "title is %d characters long; the maximum is %d", n, MaxTitle)
		}
		c.Title = &t
	}
	if in.Description.Set {
		d := in.Description.Value // null clears the description
		if err := CheckText("description", d); err != nil {
			return c, err
		}
		if n := utf8.RuneCountInString(d); n > MaxDescription {
			return c, Errorf(Invalid, "description", "description is %d characters long; the maximum is %d", n, MaxDescription)
		}
		c.Description = &d
	}
	if in.DueDate.Set {
		if in.DueDate.Null || strings.TrimSpace(in.DueDate.Value) == "" {
			c.DueDate = Null[time.Time]()
		} else {
			w, err := ParseWhen(in.DueDate.Value)
			if err != nil {
				return c, Errorf(Invalid, "due_date", "due_date must be %s", timeForms)
			}
			if err := checkWhen("due_date", w); err != nil {
				return c, err
			}
			c.DueDate, c.DueLocal = Some(w.At), w.Local
		}
	}
	if in.Priority.Set && in.Priority.Null {
		m := Medium
		c.Priority = &m
	} else if in.Priority.Set {
		p, ok := ParsePriority(in.Priority.Value)
		if !ok {
			return c, Errorf(Invalid, "priority", "priority must be low, medium or high, not %q", in.Priority.Value)
		}
		c.Priority = &p
	}
	if in.RecurrencePattern.Set {
		if in.RecurrencePattern.Null || in.RecurrencePattern.Value == "" {
			c.Recurrence = Null[Recurrence]()
		} else {
			r := Recurrence(strings.ToLower(in.RecurrencePattern.Value))
			if !r.Valid() {
				return c, Errorf(Invalid, "recurrence_pattern", "recurrence_pattern must be daily, weekly or monthly, not %q", in.RecurrencePattern.Value)
			}
			c.Recurrence = Some(r)
		}
	}
	if in.RecurrenceEndDate.Set {
		if in.RecurrenceEndDate.Null || in.RecurrenceEndDate.Value == "" {
			c.RecurrenceEnd = Null[EndDate]()
		} else {
			e, err := parseEndDate(in.RecurrenceEndDate.Value)
			if err != nil {
				return c, Errorf(Invalid, "recurrence_end_date", "recurrence_end_date must be a date (2026-12-31) or %s", timeForms)
			}
			if err := e.check("recurrence_end_date"); err != nil {
				return c, err
			}
			c.RecurrenceEnd = Some(e)
		}
	}
	if in.RecurrenceDay.Set {
		if in.RecurrenceDay.Null {
			c.RecurrenceDay = Null[int]()
		} else if d := in.RecurrenceDay.Value; d < 1 || d > 31 {
			return c, Errorf(Invalid, "recurrence_day", "recurrence_day must be a day of the month from 1 to 31, not %d", d)
		} else {
			c.RecurrenceDay = Some(d)
		}
	}
	if in.TagIDs.Set || in.Tags.Set {
		c.TagsSet = true
		seen := map[int64]bool{}
		for _, id := range in.TagIDs.Value {
			if id <= 0 {
				return c, Errorf(Invalid, "tag_ids", "tag id %d is not valid", id)
			}
			if !seen[id] {
				seen[id] = true
				c.TagIDs = append(c.TagIDs, id)
			}
		}
		names := map[string]bool{}
		for _, n := range in.Tags.Value {
			n = NormalizeTagName(n)
			if err := ValidateTagName(n, "tags"); err != nil {
				return c, err
			}
			if !names[TagKey(n)] {
				names[TagKey(n)] = true
				c.TagNames = append(c.TagNames, n)
			}
		}
		if err := CheckTagCount(len(c.TagIDs) + len(c.TagNames)); err != nil {
			return c, err
		}
	}
	if err := in.completed(create, &c); err != nil {
		return c, err
	}
	if create && c.Priority == nil {
		m := Medium
		c.Priority = &m
	}
	return c, nil
}

// completed reads completed and its alias is_completed: true or false, never null (a
// state, not a value to clear); both given must agree.
func (in TaskInput) completed(create bool, c *TaskChanges) error {
	for _, f := range []struct {
		name string
		v    Optional[bool]
	}{{"completed", in.Completed}, {"is_completed", in.IsCompleted}} {
		switch {
		case !f.v.Set:
		case f.v.Null:
			return Errorf(Invalid, f.name, "%s must be true or false", f.name)
		case c.Completed != nil && *c.Completed != f.v.Value:
			return Errorf(Invalid, f.name, "completed and is_completed disagree; send one of them")
		default:
			v := f.v.Value
			c.Completed = &v
		}
	}
	if create && c.Completed != nil && *c.Completed {
		return Errorf(Invalid, "completed", "a new task cannot start completed; complete it once it is created")
	}
	if create {
		c.Completed = nil
	}
	return nil
}

// Zoned reports whether applying the changes needs the user's zone: a time without a zone,
// a day-long recurrence end, or a recurrence (its wall-clock anchor).
func (c TaskChanges) Zoned() bool {
	return c.DueLocal != nil || c.Recurrence.Set && !c.Recurrence.Null || c.RecurrenceEnd.Set && !c.RecurrenceEnd.Null ||
		c.RecurrenceDay.Set && !c.RecurrenceDay.Null
}

// CheckRecurrenceDay enforces the rules of a monthly series' day on the task as it will
// be: it needs a monthly pattern and a due date that falls on that day (or on the month's
// last day when the month is shorter), in loc.
func CheckRecurrenceDay(day int, due *time.Time, rec *Recurrence, loc *time.Location) error {
	if rec == nil || *rec != Monthly {
		return Errorf(Unprocessable, "recurrence_day", "recurrence_day needs a monthly recurrence_pattern")
	}
	if due == nil {
		return Errorf(Unprocessable, "recurrence_day", "recurrence_day needs a due_date")
	}
	d := due.In(loc)
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d.Day() != min(day, last) {
		return Errorf(Unprocessable, "recurrence_day", "the due date falls on day %d of its month, not on day %d; move due_date to that day", d.Day(), day)
	}
	return nil
}

// In resolves a zone-less due_date in loc, the user's zone (the recurrence end is resolved
// by EndDate.In where it is applied).
func (c TaskChanges) In(loc *time.Location) TaskChanges {
	if c.DueLocal != nil {
		c.DueDate, c.DueLocal = Some(c.DueLocal.In(loc)), nil
	}
	return c
}

// CheckRecurrence enforces the rules that span fields, on the task as it will be after the
// change: a pattern needs a due date (the series is computed from it), an end date needs a
// pattern and may not come before the due date.
func CheckRecurrence(due *time.Time, rec *Recurrence, end *time.Time) error {
	if rec != nil && due == nil {
		return Errorf(Unprocessable, "due_date", "a recurring task needs a due_date: its next instances are computed from it")
	}
	if end == nil {
		return nil
	}
	if rec == nil {
		return Errorf(Unprocessable, "recurrence_end_date", "recurrence_end_date needs a recurrence_pattern")
	}
	if due != nil && end.Before(*due) {
		return Errorf(Unprocessable, "recurrence_end_date", "recurrence_end_date must not be before due_date")
	}
	return nil
}

// ParseTime reads an RFC 3339 time (fractional seconds allowed).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, err
	}
	// Postgres keeps microseconds; round here so what we answer equals what we stored.
	return t.UTC().Round(time.Microsecond), nil
}

func parseEndDate(s string) (EndDate, error) {
	s = strings.TrimSpace(s)
	if len(s) == len("2006-01-02") {
		d, err := date.ParseISO(s)
		if err != nil {
			return EndDate{}, err
		}
		return EndDate{Day: d, IsDay: true}, nil
	}
	w, err := ParseWhen(s)
	return EndDate{At: w.At, Local: w.Local}, err
}
