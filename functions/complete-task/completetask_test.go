package completetask_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	completetask "github.com/taskline/taskline/functions/complete-task"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seed creates a task for user with two pending reminders and one already sent.
func seed(t *testing.T, api *apitest.API, user string, recurring bool) todo.Task {
	t.Helper()
	ctx := context.Background()
	title, due, pri := "Pay rent", time.Now().Add(48*time.Hour).UTC().Round(time.Second), todo.High
	c := todo.TaskChanges{Title: &title, Priority: &pri, DueDate: todo.Some(due)}
	if recurring {
		c.Recurrence = todo.Some(todo.Monthly)
	}
	if err := api.Store.EnsureUser(ctx, todo.User{ID: user}); err != nil {
		t.Fatal(err)
	}
	task, err := api.Store.CreateTask(ctx, user, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, before := range []time.Duration{time.Hour, 24 * time.Hour} {
		if _, err := api.Store.CreateReminder(ctx, user, todo.ReminderSpec{TaskID: task.ID, BeforeDue: before}); err != nil {
			t.Fatal(err)
		}
	}
	return task
}

func TestCompleteCancelsRemindersAndEmits(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, completetask.Routes)
	task := seed(t, api, "ann", true)
	mark := len(api.Outbox())

	var done todo.Task
	api.Do("ann", "POST", fmt.Sprintf("/api/ann/tasks/%d/complete", task.ID), nil).Expect(t, 200).Decode(t, &done)
	if !done.Completed || done.CompletedAt == nil || done.Overdue {
		t.Fatalf("completed task %+v", done)
	}
	if got := api.OutboxTypes(mark); !slices.Equal(got, []string{"reminder.cancelled", "reminder.cancelled", "task.completed"}) {
		t.Fatalf("events %v", got)
	}
	events := api.Outbox()
	last := events[len(events)-1]
	if last.Data["had_recurrence"] != true || last.Data["recurrence_pattern"] != "monthly" || last.Data["due_date"] == nil {
		t.Errorf("task.completed data %v", last.Data)
	}
	if events[mark].Data["reason"] != "task_completed" || events[mark].Topic != "reminder-events" {
		t.Errorf("reminder.cancelled %+v", events[mark])
	}
	rems, _ := api.Store.ListReminders(context.Background(), "ann", "all")
	for _, r := range rems {
		if r.Status != todo.ReminderCancelled {
			t.Errorf("reminder %d is %s after completion, want cancelled", r.ID, r.Status)
		}
	}

	// Completing again is a no-op: same answer, no new events.
	mark = len(api.Outbox())
	var again todo.Task
	api.Do("ann", "POST", fmt.Sprintf("/api/ann/tasks/%d/complete", task.ID), nil).Expect(t, 200).Decode(t, &again)
	if !again.Completed || !again.CompletedAt.Equal(*done.CompletedAt) || len(api.Outbox()) != mark {
		t.Fatalf("second completion changed something: %+v, %d new events", again, len(api.Outbox())-mark)
	}
}

func TestPatchToggles(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, completetask.Routes)
	task := seed(t, api, "ann", false)
	path := fmt.Sprintf("/api/ann/tasks/%d/complete", task.ID)
	var got todo.Task
	api.Do("ann", "PATCH", path, nil).Expect(t, 200).Decode(t, &got)
	if !got.Completed {
		t.Fatal("first PATCH did not complete the task")
	}
	mark := len(api.Outbox())
	api.Do("ann", "PATCH", path, nil).Expect(t, 200).Decode(t, &got)
	if got.Completed || got.CompletedAt != nil {
		t.Fatalf("second PATCH did not reopen: %+v", got)
	}
	if types := api.OutboxTypes(mark); !slices.Equal(types, []string{"task.updated"}) {
		t.Fatalf("reopening emitted %v", types)
	}
}

func TestCompleteIsolationAndNotFound(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, completetask.Routes)
	task := seed(t, api, "ann", false)
	mark := len(api.Outbox())
	api.Do("bob", "POST", fmt.Sprintf("/api/bob/tasks/%d/complete", task.ID), nil).ExpectError(t, 404, "id")
	api.Do("bob", "PATCH", fmt.Sprintf("/api/bob/tasks/%d/complete", task.ID), nil).ExpectError(t, 404, "id")
	api.Do("ann", "POST", "/api/ann/tasks/999999/complete", nil).ExpectError(t, 404, "id")
	api.Do("ann", "POST", "/api/ann/tasks/abc/complete", nil).ExpectError(t, 404, "id")
	api.Do("bob", "POST", fmt.Sprintf("/api/ann/tasks/%d/complete", task.ID), nil).ExpectError(t, 403, "user_id")
	got, err := api.Store.GetTask(context.Background(), "ann", task.ID)
	if err != nil || got.Completed {
		t.Fatalf("Ann's task after Bob's attempts: %+v, %v", got, err)
	}
	if len(api.Outbox()) != mark {
		t.Fatal("failed completions wrote events")
	}
}
