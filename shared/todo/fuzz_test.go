package todo_test

import (
	"encoding/json"
	"testing"

	"github.com/taskline/taskline/shared/todo"
)

// FuzzTaskInput: whatever JSON a client sends, validation answers with a coded error
// (a 4xx), never panics, and what it accepts is text Postgres can store.
func FuzzTaskInput(f *testing.F) {
	for _, s := range []string{`{"title":"Buy milk"}`, `{"title":"a\u0000"}`, `{"title":"a","due_date":"9999-12-31T00:00:00Z"}`,
		`{"title":"a","recurrence_pattern":"daily","recurrence_end_date":"2027-01-31"}`, `{"title":"a","tags":["Work","work"]}`,
		`{"title":"a","due_date":"2026-12-03T09:00","priority":"HIGH","completed":true}`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, create bool) {
		var in todo.TaskInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		c, err := in.Changes(create)
		if err != nil {
			if todo.AsError(err) == nil {
				t.Fatalf("%s: uncoded error %v", body, err)
			}
			return
		}
		for _, s := range []*string{c.Title, c.Description} {
			if s != nil && todo.CheckText("x", *s) != nil {
				t.Fatalf("%s: accepted text Postgres cannot store", body)
			}
		}
		if c.DueDate.Set && !c.DueDate.Null && c.DueLocal == nil && todo.CheckInstant("due_date", c.DueDate.Value) != nil {
			t.Fatalf("%s: accepted a due date out of range", body)
		}
	})
}

// FuzzReminderInput: offsets and times never overflow into something else.
func FuzzReminderInput(f *testing.F) {
	for _, s := range []string{"1h", "30m", "1d", "2w", "142880868177984d", "9223372036854775807w", "-1d", "1h30m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := todo.ParseOffset(s)
		if err == nil && (d <= 0 || d > todo.MaxBeforeDue) {
			t.Fatalf("ParseOffset(%q) = %v", s, d)
		}
		in := todo.ReminderInput{TaskID: 1, RemindAt: todo.Some(s)}
		if spec, err := in.Spec(); err == nil && spec.At != nil && todo.CheckInstant("remind_at", *spec.At) != nil {
			t.Fatalf("remind_at %q accepted out of range", s)
		}
	})
}
