package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// A create without tags or zoned times takes the one-statement path; one with a tag takes
// the transaction. Consumers must not be able to tell them apart: both events name their own
// task in subject and data, and carry the same fields.
func TestPlainCreateWritesTheSameEventAsTheTransaction(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	if err := s.EnsureUser(ctx, todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)
	create := func(title string, c todo.TaskChanges) (todo.Task, cloudevents.Event) {
		t.Helper()
		pri := todo.High
		desc := "from the test"
		c.Title, c.Priority, c.Description, c.DueDate = &title, &pri, &desc, todo.Some(due)
		task, err := s.CreateTask(ctx, "ann", c)
		if err != nil {
			t.Fatal(err)
		}
		var body []byte
		if err := s.Pool().QueryRow(ctx, `SELECT event::text FROM outbox WHERE event->>'subject' = $1`, event.TaskSubject(task.ID)).Scan(&body); err != nil {
			t.Fatalf("no outbox event with subject %s: %v", event.TaskSubject(task.ID), err)
		}
		var e cloudevents.Event
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("outbox event %s: %v", body, err)
		}
		return task, e
	}
	plain, pe := create("Plain", todo.TaskChanges{})
	tagged, te := create("Tagged", todo.TaskChanges{TagsSet: true, TagNames: []string{"work"}})

	for _, c := range []struct {
		task todo.Task
		e    cloudevents.Event
	}{{plain, pe}, {tagged, te}} {
		var d event.TaskCreatedData
		if err := c.e.DataAs(&d); err != nil {
			t.Fatal(err)
		}
		if c.e.Type() != event.TaskCreated || d.TaskID != c.task.ID || d.Title != c.task.Title || d.Priority != "high" ||
			d.DueDate == nil || !d.DueDate.Equal(due) || d.Description != "from the test" || event.UserID(c.e) != "ann" {
			t.Errorf("task %d (%s): event %s with data %+v", c.task.ID, c.task.Title, c.e.Type(), d)
		}
		if !c.task.CreatedAt.Equal(c.e.Time()) {
			t.Errorf("task %d created at %v, its event at %v", c.task.ID, c.task.CreatedAt, c.e.Time())
		}
	}
	var pd, td map[string]any
	pe.DataAs(&pd)
	te.DataAs(&td)
	for k := range td {
		if _, ok := pd[k]; !ok {
			t.Errorf("the plain create's event lacks %q: %v", k, pd)
		}
	}
	if len(pd) != len(td) {
		t.Errorf("plain event data %v, transaction's %v", pd, td)
	}
	if plain.Tags == nil || len(plain.Tags) != 0 || plain.Overdue {
		t.Errorf("plain create answered %+v", plain)
	}
}
