package createtask_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	createtask "github.com/taskline/taskline/functions/create-task"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// quickAPI serves create-task at a fixed time for a user in Berlin.
func quickAPI(t *testing.T, now time.Time) *apitest.API {
	t.Helper()
	api := apitest.New(t, func(d *runtime.Deps) []runtime.Route {
		d.Store.Now = func() time.Time { return now }
		return createtask.Routes(d)
	})
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: "ann", TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	return api
}

// "Pay rent every month on the 1st #home p1" becomes a monthly, high-priority task tagged
// home, due on the next 1st at the end of the day in the user's zone.
func TestQuickAdd(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 12, 10, 9, 0, 0, 0, berlin)
	api := quickAPI(t, now)
	var task todo.Task
	api.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"text": "Pay rent every month on the 1st #home p1"}).
		Expect(t, http.StatusCreated).Decode(t, &task)
	if task.Title != "Pay rent" || task.Priority != todo.High || task.RecurrencePattern == nil || *task.RecurrencePattern != todo.Monthly ||
		len(task.Tags) != 1 || task.Tags[0].Name != "home" {
		t.Fatalf("quick add made %+v", task)
	}
	if want := time.Date(2027, 1, 1, 23, 59, 0, 0, berlin); task.DueDate == nil || !task.DueDate.Equal(want) {
		t.Errorf("due %v, want %v", task.DueDate, want)
	}

	// Said in February, "every month on the 31st" is first due Feb 28 and keeps the 31st.
	feb := quickAPI(t, time.Date(2027, 2, 10, 9, 0, 0, 0, berlin))
	feb.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"text": "Rent every month on the 31st"}).
		Expect(t, http.StatusCreated).Decode(t, &task)
	if want := time.Date(2027, 2, 28, 23, 59, 0, 0, berlin); task.DueDate == nil || !task.DueDate.Equal(want) ||
		task.RecurrenceDay == nil || *task.RecurrenceDay != 31 {
		t.Errorf("rent on the 31st in February: due %v, recurrence_day %v; want %v and 31", task.DueDate, task.RecurrenceDay, want)
	}

	// A reminder in the text is set with the task.
	api.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"text": "dentist friday 3pm remind me 30 minutes before"}).
		Expect(t, http.StatusCreated).Decode(t, &task)
	rems, _ := api.Store.ListReminders(context.Background(), "ann", "pending")
	if len(rems) != 1 || rems[0].TaskID != task.ID || !rems[0].RemindAt.Equal(time.Date(2026, 12, 11, 14, 30, 0, 0, berlin)) {
		t.Errorf("reminders %+v", rems)
	}

	// A line that makes no task, or a reminder that would be in the past, writes nothing.
	mark := len(api.Outbox())
	api.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"text": "tomorrow at 9"}).ExpectError(t, 422, "text")
	api.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"text": "standup today at 9:10 remind me 30 minutes before"}).ExpectError(t, 422, "text")
	api.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"text": "x\u0000"}).ExpectError(t, 400, "text")
	api.Do("ann", "POST", "/api/ann/tasks?parse=true", map[string]any{"title": "not quick"}).ExpectError(t, 400, "title")
	if got := api.OutboxTypes(mark); len(got) != 0 {
		t.Errorf("refused quick adds wrote %v", got)
	}
}

// The preview says what the line would make, and which words were read as what, in
// UTF-16 offsets a web page can use; it writes nothing.
func TestQuickAddPreview(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	api := quickAPI(t, time.Date(2026, 12, 10, 9, 0, 0, 0, berlin))
	text := "Café mit Jörg tomorrow at 18:00 #été !high"
	var p tool.Preview
	api.Do("ann", "POST", "/api/ann/tasks/parse", map[string]any{"text": text}).Expect(t, 200).Decode(t, &p)
	if p.Question != nil || p.Task["title"] != "Café mit Jörg" || p.Task["due_date"] != "2026-12-11T18:00:00+01:00" || p.Task["priority"] != "high" {
		t.Fatalf("preview %+v", p)
	}
	runes := []rune(text) // no character here needs two UTF-16 units, so runes count them
	for _, s := range p.Spans {
		if got := string(runes[s.Start:s.End]); got != s.Text {
			t.Errorf("span %+v covers %q", s, got)
		}
	}
	if len(api.Outbox()) != 0 {
		t.Error("the preview wrote events")
	}
	api.Do("ann", "POST", "/api/ann/tasks/parse", map[string]any{"text": "next friday"}).Expect(t, 200).Decode(t, &p)
	if p.Question == nil || p.Task["due_date"] == nil {
		t.Errorf("a line without a title: %+v", p)
	}
	api.Do("bob", "POST", "/api/ann/tasks/parse", map[string]any{"text": "x"}).ExpectError(t, 403, "user_id")
}
