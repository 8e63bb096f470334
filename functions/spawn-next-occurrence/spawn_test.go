package spawn_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	spawn "github.com/taskline/taskline/functions/spawn-next-occurrence"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type env struct {
	t     *testing.T
	store *postgres.Store
	clock *outboxtest.Clock
	fn    *spawn.Function
	user  string
}

func newEnv(t *testing.T, tz string, now time.Time) *env {
	t.Helper()
	store := pgtest.Store(t)
	clock := outboxtest.NewClock(now)
	store.Now = clock.Now
	d := runtime.NewDeps(runtime.Config{Name: spawn.Name}, slog.New(slog.NewTextHandler(io.Discard, nil)), store, nil)
	e := &env{t: t, store: store, clock: clock, fn: spawn.New(d), user: "u1"}
	if err := store.EnsureUser(context.Background(), todo.User{ID: e.user, Email: "u1@example.com", TimeZone: tz}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) create(c todo.TaskChanges) todo.Task {
	e.t.Helper()
	if c.Title == nil {
		title := "Water the plants"
		c.Title = &title
	}
	if c.Priority == nil {
		p := todo.Medium
		c.Priority = &p
	}
	task, err := e.store.CreateTask(context.Background(), e.user, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return task
}

// complete completes the task at the clock's time and returns its task.completed event.
func (e *env) complete(id int64) outboxtest.Event {
	e.t.Helper()
	outboxtest.Drain(e.t, e.store)
	if _, err := e.store.CompleteTask(context.Background(), e.user, id, false); err != nil {
		e.t.Fatal(err)
	}
	evs := outboxtest.OfType(outboxtest.Drain(e.t, e.store), event.TaskCompleted)
	if len(evs) != 1 {
		e.t.Fatalf("completing task %d emitted %d task.completed events", id, len(evs))
	}
	return evs[0]
}

// successor returns the task spawned from id, or nil.
func (e *env) successor(id int64) *todo.Task {
	e.t.Helper()
	var newID int64
	err := e.store.Pool().QueryRow(context.Background(), `SELECT id FROM tasks WHERE spawned_from = $1`, id).Scan(&newID)
	if err != nil {
		return nil
	}
	task, err := e.store.GetTask(context.Background(), e.user, newID)
	if err != nil {
		e.t.Fatal(err)
	}
	return &task
}

// completeAndSpawn completes the task and delivers its event to the function.
func (e *env) completeAndSpawn(id int64) *todo.Task {
	e.t.Helper()
	ev := e.complete(id)
	if _, err := e.fn.Handle(context.Background(), ev.Event); err != nil {
		e.t.Fatal(err)
	}
	return e.successor(id)
}

func at(t *testing.T, s, tz string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func TestNextOccurrence(t *testing.T) {
	t.Parallel()
	const berlin = "Europe/Berlin"
	cases := []struct {
		name      string
		tz        string
		rec       todo.Recurrence
		due       string // local; "" for no due date
		end       string // recurrence_end_date as sent by a client, "" for none
		completed string // local completion time
		want      string // local due date of the next instance; "" for none
	}{
		{"daily keeps the time", berlin, todo.Daily, "2026-03-10 09:00", "", "2026-03-10 10:00", "2026-03-11 09:00"},
		{"weekly", berlin, todo.Weekly, "2026-05-04 18:30", "", "2026-05-04 19:00", "2026-05-11 18:30"},
		{"monthly clamps to February's end", berlin, todo.Monthly, "2026-01-31 09:00", "", "2026-01-31 12:00", "2026-02-28 09:00"},
		{"spring forward keeps 09:00 local", berlin, todo.Daily, "2026-03-28 09:00", "", "2026-03-28 09:30", "2026-03-29 09:00"},
		{"fall back keeps 09:00 local", berlin, todo.Daily, "2026-10-24 09:00", "", "2026-10-24 09:30", "2026-10-25 09:00"},
		{"new york spring forward", "America/New_York", todo.Weekly, "2026-03-02 09:00", "", "2026-03-02 10:00", "2026-03-09 09:00"},
		{"lands in the future after a late completion", berlin, todo.Daily, "2026-03-01 09:00", "", "2026-03-10 12:00", "2026-03-11 09:00"},
		{"end date reached: no instance", berlin, todo.Daily, "2026-03-10 09:00", "2026-03-10", "2026-03-10 10:00", ""},
		{"end date day includes that day", berlin, todo.Daily, "2026-03-10 09:00", "2026-03-11", "2026-03-10 10:00", "2026-03-11 09:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			created := at(t, c.completed, c.tz).Add(-time.Hour)
			if c.due != "" && at(t, c.due, c.tz).Before(created) {
				created = at(t, c.due, c.tz).Add(-time.Hour)
			}
			e := newEnv(t, c.tz, created)
			ch := todo.TaskChanges{Recurrence: todo.Some(c.rec)}
			if c.due != "" {
				ch.DueDate = todo.Some(at(t, c.due, c.tz))
			}
			if c.end != "" {
				in := todo.TaskInput{RecurrenceEndDate: todo.Some(c.end)}
				parsed, err := in.Changes(false)
				if err != nil {
					t.Fatal(err)
				}
				ch.RecurrenceEnd = parsed.RecurrenceEnd
			}
			task := e.create(ch)
			e.clock.Set(at(t, c.completed, c.tz))
			next := e.completeAndSpawn(task.ID)
			if c.want == "" {
				if next != nil {
					t.Fatalf("got a next instance due %v; want none", next.DueDate)
				}
				return
			}
			if next == nil {
				t.Fatal("no next instance")
			}
			if want := at(t, c.want, c.tz); next.DueDate == nil || !next.DueDate.Equal(want) {
				t.Fatalf("next due %v; want %v (%s local)", next.DueDate, want, c.want)
			}
			if next.Completed || *next.RecurrencePattern != c.rec {
				t.Fatalf("next instance %+v should be open and %s", next, c.rec)
			}
		})
	}
}

// TestMonthlyNoDrift: Jan 31 -> Feb 28 -> Mar 31 (the anchor's day comes back).
func TestMonthlyNoDrift(t *testing.T) {
	t.Parallel()
	const tz = "Europe/Berlin"
	e := newEnv(t, tz, at(t, "2026-01-30 12:00", tz))
	task := e.create(todo.TaskChanges{Recurrence: todo.Some(todo.Monthly), DueDate: todo.Some(at(t, "2026-01-31 09:00", tz))})
	want := []string{"2026-02-28 09:00", "2026-03-31 09:00", "2026-04-30 09:00", "2026-05-31 09:00"}
	for _, w := range want {
		e.clock.Set(task.DueDate.Add(time.Hour))
		next := e.completeAndSpawn(task.ID)
		if next == nil || !next.DueDate.Equal(at(t, w, tz)) {
			t.Fatalf("after %v got %v; want %s local", task.DueDate, next, w)
		}
		task = *next
	}
}

// A series first due on the last day of a short month keeps the day it was given
// (recurrence_day 31: Feb 28 -> Mar 31 -> Apr 30 -> May 31), and moving a due date within
// the series (Mar 31 -> Apr 30) does not shorten it to the 30th.
func TestMonthlyRecurrenceDay(t *testing.T) {
	t.Parallel()
	const tz = "America/New_York"
	e := newEnv(t, tz, at(t, "2027-02-10 12:00", tz))
	task := e.create(todo.TaskChanges{Recurrence: todo.Some(todo.Monthly), DueDate: todo.Some(at(t, "2027-02-28 09:00", tz)),
		RecurrenceDay: todo.Some(31)})
	if task.RecurrenceDay == nil || *task.RecurrenceDay != 31 {
		t.Fatalf("created with recurrence_day %v, want 31", task.RecurrenceDay)
	}
	for _, w := range []string{"2027-03-31 09:00", "2027-04-30 09:00", "2027-05-31 09:00"} {
		e.clock.Set(task.DueDate.Add(time.Hour))
		next := e.completeAndSpawn(task.ID)
		if next == nil || !next.DueDate.Equal(at(t, w, tz)) || next.RecurrenceDay == nil || *next.RecurrenceDay != 31 {
			t.Fatalf("after %v got %+v; want %s local, day 31", task.DueDate, next, w)
		}
		task = *next
	}
	ctx := context.Background()
	moved, err := e.store.UpdateTask(ctx, e.user, task.ID, todo.TaskChanges{DueDate: todo.Some(at(t, "2027-06-30 09:00", tz))})
	if err != nil || moved.RecurrenceDay == nil || *moved.RecurrenceDay != 31 {
		t.Fatalf("moved to Jun 30: %+v, %v; want recurrence_day still 31", moved, err)
	}
	e.clock.Set(moved.DueDate.Add(time.Hour))
	if next := e.completeAndSpawn(task.ID); next == nil || !next.DueDate.Equal(at(t, "2027-07-31 09:00", tz)) {
		t.Fatalf("after Jun 30 got %+v; want Jul 31", next)
	}
	// A day the due date does not fall on is refused, naming the field.
	title, pri := "x", todo.Medium
	_, err = e.store.CreateTask(ctx, e.user, todo.TaskChanges{Title: &title, Priority: &pri,
		Recurrence: todo.Some(todo.Monthly), DueDate: todo.Some(at(t, "2027-03-15 09:00", tz)), RecurrenceDay: todo.Some(31)})
	if te := (*todo.Error)(nil); !errors.As(err, &te) || te.Field != "recurrence_day" || te.Code != todo.Unprocessable {
		t.Errorf("due the 15th with recurrence_day 31: %v, want an error naming recurrence_day", err)
	}
}

func TestCopiesFieldsTagsAndRelativeReminders(t *testing.T) {
	t.Parallel()
	const tz = "UTC"
	e := newEnv(t, tz, at(t, "2026-06-01 08:00", tz))
	ctx := context.Background()
	title, desc, pri := "Standup notes", "post them in #team", todo.High
	task := e.create(todo.TaskChanges{Title: &title, Description: &desc, Priority: &pri,
		DueDate: todo.Some(at(t, "2026-06-03 10:00", tz)), Recurrence: todo.Some(todo.Daily),
		TagsSet: true, TagNames: []string{"work", "daily"}})
	for _, spec := range []todo.ReminderSpec{
		{TaskID: task.ID, BeforeDue: 30 * time.Minute},
		{TaskID: task.ID, BeforeDue: 30 * time.Hour}, // would fall before now next time: not copied
	} {
		if _, err := e.store.CreateReminder(ctx, e.user, spec); err != nil {
			t.Fatal(err)
		}
	}
	abs := at(t, "2026-06-03 09:00", tz)
	if _, err := e.store.CreateReminder(ctx, e.user, todo.ReminderSpec{TaskID: task.ID, At: &abs}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at(t, "2026-06-03 10:05", tz))
	ev := e.complete(task.ID)
	if _, err := e.fn.Handle(ctx, ev.Event); err != nil {
		t.Fatal(err)
	}
	events := outboxtest.Drain(t, e.store)
	next := e.successor(task.ID)
	if next == nil {
		t.Fatal("no next instance")
	}
	if next.Title != title || next.Description != desc || next.Priority != todo.High {
		t.Fatalf("next instance %+v does not copy title, description and priority", next)
	}
	if got := next.TagNames(); len(got) != 2 || got[0] != "daily" || got[1] != "work" {
		t.Fatalf("next instance tags %v; want [daily work]", got)
	}
	rems, err := e.store.ListReminders(ctx, e.user, "pending")
	if err != nil {
		t.Fatal(err)
	}
	var mine []todo.Reminder
	for _, r := range rems {
		if r.TaskID == next.ID {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 || !mine[0].RemindAt.Equal(at(t, "2026-06-04 09:30", tz)) || mine[0].BeforeDue == nil || *mine[0].BeforeDue != "30m" {
		t.Fatalf("next instance reminders %+v; want one 30m before its due time", mine)
	}
	// The events announce it: recurring.task.created, task.created, reminder.scheduled.
	rc := outboxtest.OfType(events, event.RecurringTaskCreated)
	tc := outboxtest.OfType(events, event.TaskCreated)
	rs := outboxtest.OfType(events, event.ReminderScheduled)
	if len(rc) != 1 || len(tc) != 1 || len(rs) != 1 {
		t.Fatalf("events: %d recurring.task.created, %d task.created, %d reminder.scheduled; want one each", len(rc), len(tc), len(rs))
	}
	var data event.RecurringTaskCreatedData
	if err := json.Unmarshal(rc[0].Data(), &data); err != nil {
		t.Fatal(err)
	}
	if data.OriginalTaskID != task.ID || data.NewTaskID != next.ID || data.RecurrencePattern != "daily" ||
		!data.NextDueDate.Equal(*next.DueDate) {
		t.Fatalf("recurring.task.created %+v does not describe task %d -> %d", data, task.ID, next.ID)
	}
	if rc[0].Topic != event.TopicTasks {
		t.Fatalf("recurring.task.created went to %s", rc[0].Topic)
	}
	if event.UserID(rc[0].Event) != e.user || rc[0].Key != e.user {
		t.Fatalf("recurring.task.created is keyed %q, userid %q; want %q", rc[0].Key, event.UserID(rc[0].Event), e.user)
	}
}

// TestOneSuccessorWhateverTheRedelivery: the same event twice, ten times at once, and a
// second completion after reopening all leave exactly one successor.
func TestOneSuccessorWhateverTheRedelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", at(t, "2026-06-01 08:00", "UTC"))
	ctx := context.Background()
	task := e.create(todo.TaskChanges{Recurrence: todo.Some(todo.Daily), DueDate: todo.Some(at(t, "2026-06-01 10:00", "UTC"))})
	e.clock.Set(at(t, "2026-06-01 11:00", "UTC"))
	ev := e.complete(task.ID)
	if _, err := e.fn.Handle(ctx, ev.Event); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fn.Handle(ctx, ev.Event); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.fn.Handle(ctx, ev.Event)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Reopen and complete again: a new task.completed event, still one successor.
	if _, err := e.store.CompleteTask(ctx, e.user, task.ID, true); err != nil {
		t.Fatal(err)
	}
	ev2 := e.complete(task.ID)
	if _, err := e.fn.Handle(ctx, ev2.Event); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM tasks WHERE spawned_from = $1`, task.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d successors; want 1", n)
	}
	if got := len(outboxtest.OfType(outboxtest.Drain(t, e.store), event.RecurringTaskCreated)); got != 0 {
		t.Fatalf("redeliveries emitted %d more recurring.task.created events", got)
	}
}

// TestReopenedBeforeDelivery: a task reopened before the event arrives spawns nothing.
func TestReopenedBeforeDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", at(t, "2026-06-01 08:00", "UTC"))
	ctx := context.Background()
	task := e.create(todo.TaskChanges{Recurrence: todo.Some(todo.Weekly), DueDate: todo.Some(at(t, "2026-06-01 10:00", "UTC"))})
	ev := e.complete(task.ID)
	if _, err := e.store.CompleteTask(ctx, e.user, task.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fn.Handle(ctx, ev.Event); err != nil {
		t.Fatal(err)
	}
	if next := e.successor(task.ID); next != nil {
		t.Fatalf("spawned %+v from a reopened task", next)
	}
}

func TestMalformedEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", time.Now())
	ctx := context.Background()
	cases := map[string]any{
		"not an object":  "nonsense",
		"no task id":     map[string]any{"had_recurrence": true},
		"wrong type ids": map[string]any{"task_id": "seven"},
	}
	for name, data := range cases {
		ev, err := event.New(ctx, event.TaskCompleted, "tasks/1", e.user, time.Now(), data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.fn.Handle(ctx, ev); !runtime.IsMalformed(err) {
			t.Errorf("%s: Handle returned %v; want a malformed-event error", name, err)
		}
	}
	// Other task events are not this function's business.
	ev, _ := event.New(ctx, event.TaskCreated, "tasks/1", e.user, time.Now(), event.TaskCreatedData{TaskID: 1})
	if _, err := e.fn.Handle(ctx, ev); err != nil {
		t.Fatalf("task.created: %v", err)
	}
}

// A daily task stored before due dates were bounded (due 9999-12-31) is completed: its next
// instance cannot be built, ever. The event is malformed (dead-lettered at once), not
// retried: a retried event holds up every other user on its partition.
func TestNextInstanceOutsideTheRangeIsPermanent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UTC", at(t, "2026-06-01 08:00", "UTC"))
	ctx := context.Background()
	task := e.create(todo.TaskChanges{Recurrence: todo.Some(todo.Daily), DueDate: todo.Some(at(t, "2026-06-01 10:00", "UTC"))})
	if _, err := e.store.Pool().Exec(ctx, `UPDATE tasks SET due_date = '9999-12-31T09:00:00Z', recurrence_anchor = '9999-12-31T09:00:00' WHERE id = $1`, task.ID); err != nil {
		t.Fatal(err)
	}
	ev := e.complete(task.ID)
	if _, err := e.fn.Handle(ctx, ev.Event); !runtime.IsMalformed(err) {
		t.Fatalf("Handle returned %v; want a malformed-event error (dead letter, no retries)", err)
	}
	if next := e.successor(task.ID); next != nil {
		t.Fatalf("spawned %+v due after 9999", next)
	}
}
