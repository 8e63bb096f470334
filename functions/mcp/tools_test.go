package mcpserver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestListToolsOffersTheContractTools(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	tools := inMemory(t, api.Store, "ann").tools()
	var names []string
	for _, tool := range tools {
		names = append(names, tool.Name)
		if tool.Description == "" || tool.InputSchema == nil || tool.OutputSchema == nil {
			t.Errorf("%s lacks a description, input or output schema", tool.Name)
		}
		in := remarshal[map[string]any](t, tool.InputSchema)
		props, _ := in["properties"].(map[string]any)
		if in["type"] != "object" || len(props) == 0 || in["additionalProperties"] != false {
			t.Errorf("%s input schema %v: want a closed object with properties", tool.Name, in)
		}
		for name, p := range props {
			if d, _ := p.(map[string]any)["description"].(string); len(d) < 10 {
				t.Errorf("%s.%s has no description a model could follow", tool.Name, name)
			}
			if name == "user_id" {
				t.Errorf("%s takes user_id: the user must come from the token", tool.Name)
			}
		}
	}
	slices.Sort(names)
	want := []string{"add_task", "complete_task", "delete_reminder", "delete_task", "list_reminders", "list_tasks", "quick_add", "reopen_task", "set_reminder", "update_task"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools %v, want %v", names, want)
	}
	for _, tool := range tools {
		in := remarshal[map[string]any](t, tool.InputSchema)
		props := in["properties"].(map[string]any)
		enum := func(prop string) []any {
			p, _ := props[prop].(map[string]any)
			e, _ := p["enum"].([]any)
			return e
		}
		switch tool.Name {
		case "add_task":
			if !slices.Equal(enum("priority"), []any{"low", "medium", "high", nil}) || !slices.Equal(enum("recurrence_pattern"), []any{"daily", "weekly", "monthly", nil}) {
				t.Errorf("add_task enums: priority %v, recurrence_pattern %v", enum("priority"), enum("recurrence_pattern"))
			}
		case "list_tasks":
			if !slices.Equal(enum("sort"), []any{"due_date", "priority", "created_at", "title", nil}) || len(enum("order")) != 3 {
				t.Errorf("list_tasks enums: sort %v, order %v", enum("sort"), enum("order"))
			}
			for _, f := range []string{"status", "priority", "due_before", "due_after", "tags", "search", "sort", "order", "limit", "cursor"} {
				if props[f] == nil {
					t.Errorf("list_tasks lacks the %s filter", f)
				}
			}
		}
	}
}

// TestToolsInMemory and TestToolsOverStreamableHTTP call every tool through the SDK's own
// client and check what a user would notice: the rows in Postgres and the events in the
// outbox.
func TestToolsInMemory(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	exercise(t, api, inMemory(t, api.Store, "ann"), "ann")
}

func TestToolsOverStreamableHTTP(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	exercise(t, api, overHTTP(t, api, "bea"), "bea")
}

func exercise(t *testing.T, api *apitest.API, c *client, user string) {
	ctx := context.Background()
	mark := 0
	// newEvents returns the events written since the last call, checking the attributes every
	// event from the tools must carry.
	newEvents := func() []apitest.Event {
		t.Helper()
		all := api.Outbox()
		got := all[mark:]
		mark = len(all)
		for _, e := range got {
			if e.Source != mcpserver.Source || e.UserID != user {
				t.Errorf("event %s has source %q user %q, want %q %q", e.Type, e.Source, e.UserID, mcpserver.Source, user)
			}
		}
		return got
	}
	types := func(es []apitest.Event) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Type)
		}
		return out
	}

	// add_task with every argument.
	var report todo.Task
	text := c.ok("add_task", map[string]any{
		"title": "Write report", "description": "Q4 numbers", "priority": "high",
		"due_date": "2030-03-01T09:00:00+01:00", "recurrence_pattern": "monthly", "recurrence_end_date": "2030-12-31",
		"tags": []string{"work", "Q4"},
	}, &report)
	if report.ID == 0 || report.Title != "Write report" || report.Priority != todo.High || report.UserID != user {
		t.Fatalf("add_task returned %+v", report)
	}
	if !strings.Contains(text, fmt.Sprintf("task %d", report.ID)) || !strings.Contains(text, `"Write report"`) {
		t.Errorf("add_task summary %q does not name the task", text)
	}
	stored, err := api.Store.GetTask(ctx, user, report.ID)
	if err != nil {
		t.Fatalf("the task is not in Postgres: %v", err)
	}
	if stored.DueDate == nil || !stored.DueDate.Equal(time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC)) ||
		stored.RecurrencePattern == nil || *stored.RecurrencePattern != todo.Monthly || stored.RecurrenceEndDate == nil ||
		!slices.Equal(stored.TagNames(), []string{"Q4", "work"}) || stored.Description != "Q4 numbers" {
		t.Errorf("stored task %+v", stored)
	}
	es := newEvents()
	if len(es) != 1 || es[0].Type != "task.created" || es[0].Subject != fmt.Sprintf("tasks/%d", report.ID) ||
		es[0].Data["recurrence_pattern"] != "monthly" || es[0].Data["title"] != "Write report" {
		t.Fatalf("after add_task the outbox holds %+v", es)
	}

	var milk, mom todo.Task
	c.ok("add_task", map[string]any{"title": "Buy milk"}, &milk)
	if milk.Priority != todo.Medium || milk.DueDate != nil {
		t.Errorf("defaults: %+v, want medium priority, no due date", milk)
	}
	c.ok("add_task", map[string]any{"title": "Call mom", "priority": "low", "due_date": "2030-01-15T18:00:00Z", "tags": []string{"home"}}, &mom)
	if got := types(newEvents()); !slices.Equal(got, []string{"task.created", "task.created"}) {
		t.Errorf("events %v", got)
	}

	// list_tasks: every filter, sort, order, search, limit and cursor.
	titles := func(args map[string]any) []string {
		t.Helper()
		var page todo.TaskPage
		c.ok("list_tasks", args, &page)
		var out []string
		for _, task := range page.Tasks {
			out = append(out, task.Title)
		}
		if page.Count != len(page.Tasks) {
			t.Errorf("count %d for %d tasks", page.Count, len(page.Tasks))
		}
		return out
	}
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{}, []string{"Call mom", "Buy milk", "Write report"}},
		{map[string]any{"priority": "high"}, []string{"Write report"}},
		{map[string]any{"tags": []string{"work", "q4"}}, []string{"Write report"}},
		{map[string]any{"tags": []string{"work", "home"}}, nil},
		{map[string]any{"search": "rep"}, []string{"Write report"}},
		{map[string]any{"search": "numbers"}, []string{"Write report"}},
		{map[string]any{"sort": "due_date"}, []string{"Call mom", "Write report", "Buy milk"}},
		{map[string]any{"sort": "due_date", "order": "desc"}, []string{"Write report", "Call mom", "Buy milk"}},
		{map[string]any{"sort": "priority"}, []string{"Write report", "Buy milk", "Call mom"}},
		{map[string]any{"sort": "title", "order": "asc"}, []string{"Buy milk", "Call mom", "Write report"}},
		{map[string]any{"status": "completed"}, nil},
		{map[string]any{"status": "pending", "due_before": "2030-02-01T00:00:00Z"}, []string{"Call mom"}},
		{map[string]any{"due_after": "2030-02-01T00:00:00Z"}, []string{"Write report"}},
	} {
		if got := titles(tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("list_tasks(%v) = %v, want %v", tc.args, got, tc.want)
		}
	}
	var first, second todo.TaskPage
	text = c.ok("list_tasks", map[string]any{"sort": "title", "limit": 2}, &first)
	if len(first.Tasks) != 2 || first.NextCursor == nil || !strings.Contains(text, *first.NextCursor) {
		t.Fatalf("first page %+v, summary %q: want 2 tasks and a cursor the summary mentions", first, text)
	}
	c.ok("list_tasks", map[string]any{"sort": "title", "limit": 2, "cursor": *first.NextCursor}, &second)
	if len(second.Tasks) != 1 || second.Tasks[0].Title != "Write report" || second.NextCursor != nil {
		t.Errorf("second page %+v", second)
	}
	if len(newEvents()) != 0 {
		t.Error("list_tasks wrote events")
	}

	// update_task: only the fields given change; null clears.
	var updated todo.Task
	c.ok("update_task", map[string]any{"task_id": milk.ID, "title": "Buy oat milk", "due_date": "2030-01-10T08:00:00Z", "tags": []string{"home"}}, &updated)
	if updated.Title != "Buy oat milk" || updated.DueDate == nil || len(updated.Tags) != 1 || updated.Priority != todo.Medium {
		t.Errorf("update_task returned %+v", updated)
	}
	es = newEvents()
	if len(es) != 1 || es[0].Type != "task.updated" {
		t.Fatalf("after update_task the outbox holds %+v", es)
	}
	changed, _ := es[0].Data["changed_fields"].(map[string]any)
	if len(changed) != 3 || changed["title"] == nil || changed["due_date"] == nil || changed["tags"] == nil {
		t.Errorf("changed_fields %v, want title, due_date and tags", changed)
	}
	c.ok("update_task", map[string]any{"task_id": report.ID, "recurrence_pattern": nil}, &updated)
	if stored, _ = api.Store.GetTask(ctx, user, report.ID); stored.RecurrencePattern != nil || stored.RecurrenceEndDate != nil {
		t.Errorf("recurrence: null left %v until %v", stored.RecurrencePattern, stored.RecurrenceEndDate)
	}
	if got := types(newEvents()); !slices.Equal(got, []string{"task.updated"}) {
		t.Errorf("events %v", got)
	}

	// set_reminder: an offset before due, an instant, and the default.
	var r1, r2, r3 todo.Reminder
	c.ok("set_reminder", map[string]any{"task_id": mom.ID, "before_due": "1h"}, &r1)
	if !r1.RemindAt.Equal(time.Date(2030, 1, 15, 17, 0, 0, 0, time.UTC)) || r1.BeforeDue == nil || *r1.BeforeDue != "1h" || r1.Status != todo.ReminderPending {
		t.Errorf("before_due reminder %+v", r1)
	}
	c.ok("set_reminder", map[string]any{"task_id": milk.ID, "remind_at": "2030-01-09T20:00:00Z"}, &r2)
	c.ok("set_reminder", map[string]any{"task_id": report.ID}, &r3)
	if !r3.RemindAt.Equal(time.Date(2030, 3, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("default reminder at %v, want an hour before due", r3.RemindAt)
	}
	es = newEvents()
	if got := types(es); !slices.Equal(got, []string{"reminder.scheduled", "reminder.scheduled", "reminder.scheduled"}) {
		t.Errorf("events %v", got)
	} else if es[0].Subject != fmt.Sprintf("reminders/%d", r1.ID) || es[0].Topic != "reminder-events" {
		t.Errorf("reminder.scheduled %+v", es[0])
	}

	// list_reminders: pending ones by time.
	reminders := func(args map[string]any) []int64 {
		t.Helper()
		var list struct {
			Reminders []todo.Reminder `json:"reminders"`
			Count     int             `json:"count"`
		}
		c.ok("list_reminders", args, &list)
		var ids []int64
		for _, r := range list.Reminders {
			ids = append(ids, r.ID)
		}
		if list.Count != len(ids) {
			t.Errorf("count %d for %d reminders", list.Count, len(ids))
		}
		return ids
	}
	if got := reminders(map[string]any{}); !slices.Equal(got, []int64{r2.ID, r1.ID, r3.ID}) {
		t.Errorf("pending reminders %v, want %v", got, []int64{r2.ID, r1.ID, r3.ID})
	}

	// complete_task cancels the task's reminders; completing again changes nothing.
	var done todo.Task
	c.ok("complete_task", map[string]any{"task_id": mom.ID}, &done)
	if !done.Completed || done.CompletedAt == nil {
		t.Errorf("complete_task returned %+v", done)
	}
	if got := types(newEvents()); !slices.Equal(got, []string{"reminder.cancelled", "task.completed"}) {
		t.Errorf("events %v, want reminder.cancelled and task.completed", got)
	}
	c.ok("complete_task", map[string]any{"task_id": mom.ID}, &done)
	if got := newEvents(); len(got) != 0 {
		t.Errorf("completing again wrote %v", types(got))
	}
	if got := reminders(map[string]any{"status": "cancelled"}); !slices.Equal(got, []int64{r1.ID}) {
		t.Errorf("cancelled reminders %v, want [%d]", got, r1.ID)
	}
	if got := reminders(map[string]any{"status": "pending"}); !slices.Equal(got, []int64{r2.ID, r3.ID}) {
		t.Errorf("pending reminders %v", got)
	}

	// reopen_task undoes the completion (the cancelled reminder stays cancelled); reopening
	// an open task changes nothing.
	var reopened todo.Task
	c.ok("reopen_task", map[string]any{"task_id": mom.ID}, &reopened)
	if reopened.Completed || reopened.CompletedAt != nil {
		t.Errorf("reopen_task returned %+v", reopened)
	}
	if got := types(newEvents()); !slices.Equal(got, []string{"task.updated"}) {
		t.Errorf("events %v, want task.updated", got)
	}
	c.ok("reopen_task", map[string]any{"task_id": mom.ID}, &reopened)
	if got := newEvents(); len(got) != 0 {
		t.Errorf("reopening an open task wrote %v", types(got))
	}

	// delete_reminder: the reminder is gone and announced as cancelled.
	var dropped struct {
		ReminderID int64 `json:"reminder_id"`
		Deleted    bool  `json:"deleted"`
	}
	c.ok("delete_reminder", map[string]any{"reminder_id": r3.ID}, &dropped)
	if dropped.ReminderID != r3.ID || !dropped.Deleted {
		t.Errorf("delete_reminder returned %+v", dropped)
	}
	if got := reminders(map[string]any{"status": "all"}); slices.Contains(got, r3.ID) {
		t.Errorf("deleted reminder %d still listed: %v", r3.ID, got)
	}
	if got := types(newEvents()); !slices.Equal(got, []string{"reminder.cancelled"}) {
		t.Errorf("events %v, want reminder.cancelled", got)
	}

	// delete_task removes the task and cancels its reminder.
	var gone struct {
		TaskID  int64 `json:"task_id"`
		Deleted bool  `json:"deleted"`
	}
	c.ok("delete_task", map[string]any{"task_id": milk.ID}, &gone)
	if gone.TaskID != milk.ID || !gone.Deleted {
		t.Errorf("delete_task returned %+v", gone)
	}
	if _, err := api.Store.GetTask(ctx, user, milk.ID); todo.ErrorCode(err) != todo.NotFound {
		t.Errorf("deleted task still loads: %v", err)
	}
	if got := types(newEvents()); !slices.Equal(got, []string{"reminder.cancelled", "task.deleted"}) {
		t.Errorf("events %v, want reminder.cancelled and task.deleted", got)
	}
}

func TestBadArgumentsAreToolErrorsNamingTheArgument(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	ctx := context.Background()
	if err := api.Store.EnsureUser(ctx, todo.User{ID: "cy"}); err != nil {
		t.Fatal(err)
	}
	c := inMemory(t, api.Store, "cy")
	var undated, dated, closed todo.Task
	c.ok("add_task", map[string]any{"title": "undated"}, &undated)
	c.ok("add_task", map[string]any{"title": "dated", "due_date": "2030-01-01T00:00:00Z"}, &dated)
	c.ok("add_task", map[string]any{"title": "closed"}, &closed)
	c.ok("complete_task", map[string]any{"task_id": closed.ID}, nil)
	before := len(api.Outbox())

	tests := []struct {
		tool  string
		args  map[string]any
		field string
		code  todo.Code
	}{
		{"add_task", map[string]any{}, "title", todo.Invalid},
		{"add_task", map[string]any{"title": "   "}, "title", todo.Invalid},
		{"add_task", map[string]any{"title": strings.Repeat("x", 201)}, "title", todo.Invalid},
		{"add_task", map[string]any{"title": 5}, "title", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "description": strings.Repeat("x", 1001)}, "description", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "priority": "urgent"}, "priority", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "due_date": "tomorrow"}, "due_date", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "recurrence_pattern": "yearly"}, "recurrence_pattern", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "recurrence_end_date": "2030-12-31"}, "recurrence_end_date", todo.Unprocessable},
		{"add_task", map[string]any{"title": "a", "due_date": "2030-06-01T00:00:00Z", "recurrence_pattern": "daily", "recurrence_end_date": "2030-01-01"}, "recurrence_end_date", todo.Unprocessable},
		{"add_task", map[string]any{"title": "a", "tags": []string{"no spaces"}}, "tags", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "tags": "work"}, "tags", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "colour": "red"}, "colour", todo.Invalid},
		{"add_task", map[string]any{"title": "a", "user_id": "cy"}, "user_id", todo.Invalid},
		{"update_task", map[string]any{"title": "x"}, "task_id", todo.Invalid},
		{"update_task", map[string]any{"task_id": 1.5, "title": "x"}, "task_id", todo.Invalid},
		{"update_task", map[string]any{"task_id": 999999, "title": "x"}, "task_id", todo.NotFound},
		{"update_task", map[string]any{"task_id": undated.ID, "title": nil}, "title", todo.Invalid},
		{"update_task", map[string]any{"task_id": undated.ID, "title": nil}, "title", todo.Invalid},
		{"update_task", map[string]any{"task_id": undated.ID, "recurrence_end_date": "2031-01-01"}, "recurrence_end_date", todo.Unprocessable},
		{"complete_task", map[string]any{}, "task_id", todo.Invalid},
		{"complete_task", map[string]any{"task_id": "abc"}, "task_id", todo.Invalid},
		{"complete_task", map[string]any{"task_id": 999999}, "task_id", todo.NotFound},
		{"delete_task", map[string]any{"task_id": nil}, "task_id", todo.Invalid},
		{"delete_task", map[string]any{"task_id": 999999}, "task_id", todo.NotFound},
		{"list_tasks", map[string]any{"status": "done"}, "status", todo.Invalid},
		{"list_tasks", map[string]any{"priority": "urgent"}, "priority", todo.Invalid},
		{"list_tasks", map[string]any{"due_before": "soon"}, "due_before", todo.Invalid},
		{"list_tasks", map[string]any{"due_after": "later"}, "due_after", todo.Invalid},
		{"list_tasks", map[string]any{"tags": []string{"a b"}}, "tags", todo.Invalid},
		{"list_tasks", map[string]any{"search": strings.Repeat("x", 201)}, "search", todo.Invalid},
		{"list_tasks", map[string]any{"sort": "urgency"}, "sort", todo.Invalid},
		{"list_tasks", map[string]any{"order": "up"}, "order", todo.Invalid},
		{"list_tasks", map[string]any{"limit": 0}, "limit", todo.Invalid},
		{"list_tasks", map[string]any{"limit": 201}, "limit", todo.Invalid},
		{"list_tasks", map[string]any{"limit": "ten"}, "limit", todo.Invalid},
		{"list_tasks", map[string]any{"cursor": "bogus"}, "cursor", todo.Invalid},
		{"set_reminder", map[string]any{}, "task_id", todo.Invalid},
		{"set_reminder", map[string]any{"task_id": dated.ID, "remind_at": "2030-01-01T00:00:00Z", "before_due": "1h"}, "remind_at", todo.Invalid},
		{"set_reminder", map[string]any{"task_id": dated.ID, "before_due": "soon"}, "before_due", todo.Invalid},
		{"set_reminder", map[string]any{"task_id": dated.ID, "remind_at": "2001-01-01T00:00:00Z"}, "remind_at", todo.Unprocessable},
		{"set_reminder", map[string]any{"task_id": undated.ID, "before_due": "1h"}, "before_due", todo.Unprocessable},
		{"set_reminder", map[string]any{"task_id": closed.ID, "before_due": "1h"}, "task_id", todo.Unprocessable},
		{"set_reminder", map[string]any{"task_id": 999999}, "task_id", todo.NotFound},
		{"list_reminders", map[string]any{"status": "nope"}, "status", todo.Invalid},
	}
	for _, tc := range tests {
		e := c.fail(tc.tool, tc.args)
		if e.Field != tc.field || e.Code != tc.code || e.Message == "" {
			t.Errorf("%s(%v): error %+v, want code %s about %q", tc.tool, tc.args, e, tc.code, tc.field)
		}
		// Arguments carry the HTTP API's names (recurrence_pattern), except tags, which
		// the tools take by name only.
		if strings.Contains(e.Message, "tag_ids") {
			t.Errorf("%s(%v): message %q names an HTTP field, not the tool argument", tc.tool, tc.args, e.Message)
		}
	}
	if after := len(api.Outbox()); after != before {
		t.Errorf("failed calls wrote %d events", after-before)
	}
	if got, _ := api.Store.GetTask(ctx, "cy", undated.ID); got.Title != "undated" || got.Priority != todo.Medium {
		t.Errorf("a failed update changed the task: %+v", got)
	}
}

// TestUserIsolation runs through both transports: another user's task is not found, by
// any tool, and nothing of it shows or changes.
func TestUserIsolation(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	ctx := context.Background()
	for _, u := range []string{"ann", "bob"} {
		if err := api.Store.EnsureUser(ctx, todo.User{ID: u}); err != nil {
			t.Fatal(err)
		}
	}
	var secret todo.Task
	inMemory(t, api.Store, "ann").ok("add_task", map[string]any{"title": "Ann's secret", "due_date": "2030-05-01T00:00:00Z"}, &secret)
	before := len(api.Outbox())

	for name, bob := range map[string]*client{"in-memory": inMemory(t, api.Store, "bob"), "http": overHTTP(t, api, "bob")} {
		var page todo.TaskPage
		bob.ok("list_tasks", map[string]any{"search": "secret"}, &page)
		if page.Count != 0 {
			t.Errorf("%s: bob lists %+v", name, page.Tasks)
		}
		bob.ok("list_tasks", map[string]any{}, &page)
		if page.Count != 0 {
			t.Errorf("%s: bob lists %+v", name, page.Tasks)
		}
		for _, call := range []struct {
			tool string
			args map[string]any
		}{
			{"update_task", map[string]any{"task_id": secret.ID, "title": "mine now"}},
			{"complete_task", map[string]any{"task_id": secret.ID}},
			{"delete_task", map[string]any{"task_id": secret.ID}},
			{"set_reminder", map[string]any{"task_id": secret.ID, "before_due": "1h"}},
		} {
			e := bob.fail(call.tool, call.args)
			if e.Code != todo.NotFound || e.Field != "task_id" || strings.Contains(e.Message, "Ann") {
				t.Errorf("%s: bob's %s on ann's task: %+v, want not_found about task_id", name, call.tool, e)
			}
		}
		var rems struct {
			Count int `json:"count"`
		}
		bob.ok("list_reminders", map[string]any{"status": "all"}, &rems)
		if rems.Count != 0 {
			t.Errorf("%s: bob sees %d reminders", name, rems.Count)
		}
	}
	got, err := api.Store.GetTask(ctx, "ann", secret.ID)
	if err != nil || got.Title != "Ann's secret" || got.Completed {
		t.Errorf("ann's task after bob's attempts: %+v, %v", got, err)
	}
	if after := len(api.Outbox()); after != before {
		t.Errorf("bob's attempts wrote %d events", after-before)
	}
}

// quick_add reads one line in the user's zone: the same parser as the chat and the web
// app's quick add, the same rules and events as add_task.
func TestQuickAddTool(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: "ann", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	c := inMemory(t, api.Store, "ann")
	var res struct {
		Task     todo.Task      `json:"task"`
		Reminder *todo.Reminder `json:"reminder"`
	}
	c.ok("quick_add", map[string]any{"text": "Water the plants every day at 7am #home remind me 10 minutes before"}, &res)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if res.Task.Title != "Water the plants" || res.Task.RecurrencePattern == nil || *res.Task.RecurrencePattern != todo.Daily ||
		res.Task.DueDate == nil || res.Task.DueDate.In(tokyo).Format("15:04") != "07:00" || len(res.Task.Tags) != 1 {
		t.Fatalf("quick_add made %+v", res.Task)
	}
	if res.Reminder == nil || !res.Reminder.RemindAt.Equal(res.Task.DueDate.Add(-10*time.Minute)) {
		t.Errorf("reminder %+v", res.Reminder)
	}
	if e := c.fail("quick_add", map[string]any{"text": "tomorrow"}); e.Field != "text" || e.Code != todo.Unprocessable {
		t.Errorf("a line with no title: %+v", e)
	}
	if got := api.OutboxTypes(0); !slices.Equal(got, []string{"task.created", "reminder.scheduled"}) {
		t.Errorf("events %v", got)
	}
}
