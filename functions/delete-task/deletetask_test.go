package deletetask_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	deletetask "github.com/taskline/taskline/functions/delete-task"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDeleteTask(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, deletetask.Routes)
	ctx := context.Background()
	api.Store.EnsureUser(ctx, todo.User{ID: "ann"})
	title, pri, due := "Renew passport", todo.Medium, time.Now().Add(72*time.Hour)
	task, err := api.Store.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &pri, DueDate: todo.Some(due), TagsSet: true, TagNames: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Store.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: task.ID, BeforeDue: time.Hour}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/ann/tasks/%d", task.ID)

	// Bob cannot delete it, nor learn that it exists.
	mark := len(api.Outbox())
	api.Do("bob", "DELETE", fmt.Sprintf("/api/bob/tasks/%d", task.ID), nil).ExpectError(t, 404, "id")
	if _, err := api.Store.GetTask(ctx, "ann", task.ID); err != nil {
		t.Fatalf("Bob's delete removed Ann's task: %v", err)
	}

	api.Do("ann", "DELETE", path, nil).Expect(t, 204)
	if types := api.OutboxTypes(mark); !slices.Equal(types, []string{"reminder.cancelled", "task.deleted"}) {
		t.Fatalf("events %v", types)
	}
	events := api.Outbox()
	if events[mark].Data["reason"] != "task_deleted" || events[mark+1].Data["title"] != "Renew passport" {
		t.Errorf("events %+v", events[mark:])
	}
	if _, err := api.Store.GetTask(ctx, "ann", task.ID); todo.ErrorCode(err) != todo.NotFound {
		t.Fatalf("task still readable after delete: %v", err)
	}
	if rems, _ := api.Store.ListReminders(ctx, "ann", "all"); len(rems) != 0 {
		t.Errorf("reminders outlived their task: %+v", rems)
	}
	// The tag stays: it is the user's, not the task's.
	if tags, _ := api.Store.ListTags(ctx, "ann", ""); len(tags) != 1 {
		t.Errorf("tags after delete: %+v", tags)
	}
	api.Do("ann", "DELETE", path, nil).ExpectError(t, 404, "id")
}
