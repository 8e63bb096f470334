package createtask_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	createtask "github.com/taskline/taskline/functions/create-task"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestCreateTask(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, createtask.Routes)
	var task todo.Task
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{
		"title": "Write report", "description": "Q4 numbers", "priority": "high",
		"due_date": "2027-03-01T09:00:00+01:00", "recurrence_pattern": "monthly", "recurrence_end_date": "2027-12-31",
		"tags": []string{"work", "Q4"},
	}).Expect(t, http.StatusCreated).Decode(t, &task)

	if task.ID == 0 || task.Title != "Write report" || task.Priority != todo.High || task.Completed || task.Overdue {
		t.Fatalf("created %+v", task)
	}
	if task.DueDate == nil || task.DueDate.UTC().Format("2006-01-02T15:04") != "2027-03-01T08:00" {
		t.Errorf("due date %v, want 2027-03-01T08:00Z", task.DueDate)
	}
	if task.RecurrencePattern == nil || *task.RecurrencePattern != todo.Monthly || task.RecurrenceEndDate == nil {
		t.Errorf("recurrence %v until %v", task.RecurrencePattern, task.RecurrenceEndDate)
	}
	if got := task.TagNames(); !slices.Equal(got, []string{"Q4", "work"}) {
		t.Errorf("tags %v, want [Q4 work] (created, sorted by name)", got)
	}

	events := api.Outbox()
	if len(events) != 1 || events[0].Type != "task.created" || events[0].Topic != "task-events" {
		t.Fatalf("outbox %+v, want one task.created on task-events", events)
	}
	e := events[0]
	if e.Subject != fmt.Sprintf("tasks/%d", task.ID) || e.UserID != "ann" || e.Source != "/functions/test" {
		t.Errorf("event attributes %+v", e)
	}
	if e.Data["title"] != "Write report" || e.Data["priority"] != "high" || e.Data["recurrence_pattern"] != "monthly" {
		t.Errorf("event data %v", e.Data)
	}

	// Tags named again are reused, ignoring case, not duplicated.
	var second todo.Task
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{"title": "Slides", "tags": []string{"WORK"}}).
		Expect(t, http.StatusCreated).Decode(t, &second)
	if len(second.Tags) != 1 || second.Tags[0].ID != task.Tags[1].ID || second.Priority != todo.Medium {
		t.Errorf("second task tags %+v priority %v, want the existing 'work' tag and medium", second.Tags, second.Priority)
	}
}

func TestCreateTaskRejectsBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, createtask.Routes)
	tags := make([]string, 21)
	for i := range tags {
		tags[i] = fmt.Sprintf("t%d", i)
	}
	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"no title", map[string]any{"priority": "high"}, 400, "title"},
		{"title 201 chars", map[string]any{"title": strings.Repeat("x", 201)}, 400, "title"},
		{"description too long", map[string]any{"title": "a", "description": strings.Repeat("x", 1001)}, 400, "description"},
		{"priority", map[string]any{"title": "a", "priority": "urgent"}, 400, "priority"},
		{"priority type", map[string]any{"title": "a", "priority": 3}, 400, "priority"},
		{"due date", map[string]any{"title": "a", "due_date": "next friday"}, 400, "due_date"},
		{"recurrence", map[string]any{"title": "a", "recurrence_pattern": "hourly"}, 400, "recurrence_pattern"},
		{"end without recurrence", map[string]any{"title": "a", "recurrence_end_date": "2027-01-01"}, 422, "recurrence_end_date"},
		{"end before due", map[string]any{"title": "a", "due_date": "2027-02-01T09:00:00Z", "recurrence_pattern": "daily", "recurrence_end_date": "2027-01-01"}, 422, "recurrence_end_date"},
		{"tag pattern", map[string]any{"title": "a", "tags": []string{"no spaces"}}, 400, "tags"},
		{"21 tags", map[string]any{"title": "a", "tags": tags}, 400, "tags"},
		{"unknown tag id", map[string]any{"title": "a", "tag_ids": []int{999}}, 422, "tag_ids"},
		{"unknown field", map[string]any{"title": "a", "priorty": "high"}, 400, "priorty"},
		{"not json", "title=a", 400, ""},
		{"empty body", "", 400, ""},
		{"array body", "[]", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api.Do("ann", "POST", "/api/ann/tasks", tt.body).ExpectError(t, tt.status, tt.field)
		})
	}
	// A bad tag id after valid names must not leave the new names behind either.
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{"title": "a", "tags": []string{"fresh"}, "tag_ids": []int{999}}).
		ExpectError(t, 422, "tag_ids")
	var n int
	api.Store.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM tags) + (SELECT count(*) FROM outbox)`).Scan(&n)
	if n != 0 {
		t.Fatalf("rejected requests left %d rows in tasks, tags and outbox", n)
	}
}

func TestCreateTaskAuth(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, createtask.Routes)
	api.Do("", "POST", "/api/ann/tasks", map[string]any{"title": "a"}).ExpectError(t, 401, "authorization")
	api.Do("bob", "POST", "/api/ann/tasks", map[string]any{"title": "a"}).ExpectError(t, 403, "user_id")

	// Bob cannot attach Ann's tag: to him it does not exist.
	var task todo.Task
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{"title": "a", "tags": []string{"secret"}}).Expect(t, 201).Decode(t, &task)
	api.Do("bob", "POST", "/api/bob/tasks", map[string]any{"title": "b", "tag_ids": []int64{task.Tags[0].ID}}).ExpectError(t, 422, "tag_ids")
	if got := len(api.Outbox()); got != 1 {
		t.Fatalf("%d events, want only Ann's task.created", got)
	}
}

// A due date from a datetime-local input is that wall-clock time in the user's zone; tags
// of any script are created; the answer says is_completed; null priority is medium.
func TestCreateFromSeedClient(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, createtask.Routes)
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: "ann", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	res := api.Do("ann", "POST", "/api/ann/tasks", map[string]any{
		"title": "Dentist", "due_date": "2027-12-03T09:00", "priority": nil, "tags": []string{"santé", "日本"},
	}).Expect(t, http.StatusCreated)
	var task todo.Task
	res.Decode(t, &task)
	if want := time.Date(2027, 12, 3, 14, 0, 0, 0, time.UTC); task.DueDate == nil || !task.DueDate.Equal(want) {
		t.Errorf("due %v, want %v (09:00 in New York)", task.DueDate, want)
	}
	if task.Priority != todo.Medium || len(task.Tags) != 2 {
		t.Errorf("priority %v tags %v", task.Priority, task.TagNames())
	}
	if !strings.Contains(string(res.Body), `"is_completed":false`) {
		t.Errorf("no is_completed: %s", res.Body)
	}
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{"title": "x", "due_date": "2027-12-03"}).ExpectError(t, 400, "due_date")
}

func TestCreateWithCompletedFlag(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, createtask.Routes)
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{"title": "Open", "is_completed": false}).Expect(t, http.StatusCreated)
	api.Do("ann", "POST", "/api/ann/tasks", map[string]any{"title": "Done", "completed": true}).ExpectError(t, 400, "completed")
}
