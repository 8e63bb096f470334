package chat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/functions/chat"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

// builtinChat serves the chat with the built-in assistant at a fixed time, for a user
// whose profile zone is tz.
func builtinChat(t *testing.T, now time.Time, user, tz string) *apitest.API {
	t.Helper()
	api := apitest.NewNamed(t, chat.Name, func(d *runtime.Deps) []runtime.Route {
		d.Store.Now = func() time.Time { return now }
		svc := chat.New(d.Store, chat.Config{MaxRounds: 4, Timeout: 10 * time.Second}, d.Log)
		svc.Now = func() time.Time { return now }
		return svc.Routes(d.Errors)
	})
	ctx := context.Background()
	if err := api.Store.EnsureUser(ctx, todo.User{ID: user, TimeZone: tz}); err != nil {
		t.Fatal(err)
	}
	return api
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func tasksOf(t *testing.T, api *apitest.API, user string) []todo.Task {
	t.Helper()
	page, err := api.Store.ListTasks(context.Background(), user, todo.TaskQuery{Status: todo.StatusAll, Limit: 50, Sort: todo.SortCreatedAt})
	if err != nil {
		t.Fatal(err)
	}
	return page.Tasks
}

// A day with the built-in assistant, in New York: add, list, complete, change, remind,
// tag, delete with confirmation. Every answer says what happened in the user's zone.
func TestBuiltinConversation(t *testing.T) {
	t.Parallel()
	ny := mustLoc(t, "America/New_York")
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, ny) // a Tuesday
	api := builtinChat(t, now, "ann", "America/New_York")

	res := send(t, api, "ann", "add call mom tomorrow at 6pm #family", 0)
	conv := res.ConversationID
	tasks := tasksOf(t, api, "ann")
	if len(tasks) != 1 {
		t.Fatalf("tasks %+v", tasks)
	}
	mom := tasks[0]
	if mom.Title != "call mom" || mom.DueDate == nil || !mom.DueDate.Equal(time.Date(2026, 12, 2, 18, 0, 0, 0, ny)) || len(mom.Tags) != 1 || mom.Tags[0].Name != "family" {
		t.Fatalf("added %+v (due %v)", mom, mom.DueDate)
	}
	if !strings.Contains(res.Response, `"call mom"`) || !strings.Contains(res.Response, "tomorrow at 18:00") || !strings.Contains(res.Response, "#family") {
		t.Errorf("answer %q", res.Response)
	}
	if len(res.ToolCalls) != 1 || res.ToolCalls[0].Tool != "add_task" || !res.ToolCalls[0].Success {
		t.Errorf("tool calls %+v", res.ToolCalls)
	}

	// Today is the 1st: due by the end of today, 23:59 local.
	res = send(t, api, "ann", "Pay rent every month on the 1st #home p1 remind me 1 hour before", conv)
	var rent todo.Task
	for _, tk := range tasksOf(t, api, "ann") {
		if tk.ID != mom.ID {
			rent = tk
		}
	}
	if rent.Title != "Pay rent" || rent.Priority != todo.High || rent.RecurrencePattern == nil || *rent.RecurrencePattern != todo.Monthly ||
		!rent.DueDate.Equal(time.Date(2026, 12, 1, 23, 59, 0, 0, ny)) {
		t.Fatalf("rent %+v due %v", rent, rent.DueDate)
	}
	if !strings.Contains(res.Response, "I'll remind you") || len(res.ToolCalls) != 2 || res.ToolCalls[1].Tool != "set_reminder" {
		t.Errorf("answer %q, calls %+v", res.Response, res.ToolCalls)
	}

	res = send(t, api, "ann", "what is due this week?", conv)
	if !strings.HasPrefix(res.Response, "2 tasks:\n- task "+fmt.Sprint(rent.ID)) || !strings.Contains(res.Response, fmt.Sprintf("task %d: \"call mom\", due tomorrow at 18:00", mom.ID)) {
		t.Errorf("this week: %q", res.Response)
	}

	res = send(t, api, "ann", "move call mom to friday 3pm", conv)
	if got, _ := api.Store.GetTask(context.Background(), "ann", mom.ID); !got.DueDate.Equal(time.Date(2026, 12, 4, 15, 0, 0, 0, ny)) {
		t.Errorf("after %q: due %v (answer %q)", "move call mom to friday 3pm", got.DueDate.In(ny), res.Response)
	}
	res = send(t, api, "ann", fmt.Sprintf("tag task %d #weekend", mom.ID), conv)
	if got, _ := api.Store.GetTask(context.Background(), "ann", mom.ID); len(got.Tags) != 2 {
		t.Errorf("after tagging: %v (answer %q)", got.TagNames(), res.Response)
	}
	res = send(t, api, "ann", fmt.Sprintf("remind me about task %d 30 minutes before", mom.ID), conv)
	if !strings.Contains(res.Response, "Fri 4 Dec at 14:30") {
		t.Errorf("reminder answer %q", res.Response)
	}

	res = send(t, api, "ann", "done with call mom", conv)
	if got, _ := api.Store.GetTask(context.Background(), "ann", mom.ID); !got.Completed {
		t.Errorf("not completed after %q", res.Response)
	}
	res = send(t, api, "ann", "reopen call mom", conv)
	if got, _ := api.Store.GetTask(context.Background(), "ann", mom.ID); got.Completed {
		t.Errorf("still completed after %q", res.Response)
	}

	res = send(t, api, "ann", fmt.Sprintf("delete task %d", rent.ID), conv)
	if !strings.Contains(res.Response, "Reply yes") || len(tasksOf(t, api, "ann")) != 2 {
		t.Fatalf("delete asked %q", res.Response)
	}
	res = send(t, api, "ann", "yes", conv)
	if len(tasksOf(t, api, "ann")) != 1 || !strings.Contains(res.Response, "Deleted task") {
		t.Fatalf("after yes: %q, %d tasks", res.Response, len(tasksOf(t, api, "ann")))
	}
}

// A task named by words that match several tasks gets a question back, never a guess; an
// exact title wins; another user's task is not found.
func TestBuiltinAsksWhenAmbiguous(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	api := builtinChat(t, now, "ann", "")
	back := addTask(t, api, "ann", "Call mom back", nil)
	mom := addTask(t, api, "ann", "Call mom", nil)
	dad := addTask(t, api, "ann", "Call dad", nil)
	bobs := addTask(t, api, "bob", "Bob's call", nil)

	res := send(t, api, "ann", "done with call", 0)
	if !strings.Contains(res.Response, "Which one?") || !strings.Contains(res.Response, fmt.Sprintf("task %d", dad.ID)) || len(res.ToolCalls) != 0 {
		t.Errorf("ambiguous: %q %+v", res.Response, res.ToolCalls)
	}
	for _, tk := range tasksOf(t, api, "ann") {
		if tk.Completed {
			t.Errorf("%q was completed on a guess", tk.Title)
		}
	}
	send(t, api, "ann", "done with call mom", res.ConversationID)
	if got, _ := api.Store.GetTask(context.Background(), "ann", mom.ID); !got.Completed {
		t.Error(`"call mom" did not complete the task titled exactly that`)
	}
	if got, _ := api.Store.GetTask(context.Background(), "ann", back.ID); got.Completed {
		t.Error(`"call mom" completed "Call mom back"`)
	}
	res = send(t, api, "ann", fmt.Sprintf("done with task %d", bobs.ID), res.ConversationID)
	if !strings.Contains(res.Response, "can't find task") {
		t.Errorf("bob's task: %q", res.Response)
	}
	if got, _ := api.Store.GetTask(context.Background(), "bob", bobs.ID); got.Completed {
		t.Error("ann completed bob's task")
	}
}

// Help says what the built-in assistant is; what it cannot read gets a hint, not a guess.
func TestBuiltinHelpAndUnknown(t *testing.T) {
	t.Parallel()
	api := builtinChat(t, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), "ann", "")
	if res := send(t, api, "ann", "help", 0); !strings.Contains(res.Response, "not a language model") {
		t.Errorf("help: %q", res.Response)
	}
	res := send(t, api, "ann", "why is the sky blue?", 0)
	if !strings.Contains(res.Response, "didn't understand") || len(res.ToolCalls) != 0 || len(tasksOf(t, api, "ann")) != 0 {
		t.Errorf("unknown: %q %+v", res.Response, res.ToolCalls)
	}
}
