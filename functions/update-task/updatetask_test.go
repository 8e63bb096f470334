package updatetask_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	updatetask "github.com/taskline/taskline/functions/update-task"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newTask(t *testing.T, api *apitest.API, user string) todo.Task {
	t.Helper()
	ctx := context.Background()
	api.Store.EnsureUser(ctx, todo.User{ID: user})
	title, pri := "Draft plan", todo.Low
	due := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	task, err := api.Store.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &pri, DueDate: todo.Some(due),
		Recurrence: todo.Some(todo.Weekly), TagsSet: true, TagNames: []string{"home"}})
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestPatchChangesOnlyWhatIsSent(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, updatetask.Routes)
	task := newTask(t, api, "ann")
	ctx := context.Background()
	rem, err := api.Store.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: task.ID, BeforeDue: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mark := len(api.Outbox())
	newDue := task.DueDate.Add(24 * time.Hour)
	var got todo.Task
	api.Do("ann", "PATCH", fmt.Sprintf("/api/ann/tasks/%d", task.ID), map[string]any{
		"title": "Final plan", "priority": "high", "due_date": newDue.Format(time.RFC3339),
	}).Expect(t, 200).Decode(t, &got)
	if got.Title != "Final plan" || got.Priority != todo.High || !got.DueDate.Equal(newDue) {
		t.Fatalf("updated %+v", got)
	}
	if got.RecurrencePattern == nil || *got.RecurrencePattern != todo.Weekly || len(got.Tags) != 1 || got.Description != "" {
		t.Fatalf("fields not sent were changed: %+v", got)
	}
	events := api.Outbox()[mark:]
	if len(events) != 1 || events[0].Type != "task.updated" {
		t.Fatalf("events %+v", events)
	}
	changed := events[0].Data["changed_fields"].(map[string]any)
	keys := make([]string, 0, len(changed))
	for k := range changed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"due_date", "priority", "title"}) {
		t.Errorf("changed_fields %v", keys)
	}
	if c := changed["priority"].(map[string]any); c["before"] != "low" || c["after"] != "high" {
		t.Errorf("priority change %v", c)
	}
	// The "1h before due" reminder followed the due date.
	rems, _ := api.Store.ListReminders(ctx, "ann", "pending")
	if len(rems) != 1 || !rems[0].RemindAt.Equal(newDue.Add(-time.Hour)) || rems[0].ID != rem.ID {
		t.Errorf("reminder after moving the due date: %+v", rems)
	}

	// Null clears the due date and the recurrence; the relative reminder is cancelled.
	api.Do("ann", "PUT", fmt.Sprintf("/api/ann/tasks/%d", task.ID), map[string]any{"due_date": nil, "recurrence_pattern": nil}).
		Expect(t, 200).Decode(t, &got)
	if got.DueDate != nil || got.RecurrencePattern != nil || got.Title != "Final plan" {
		t.Fatalf("after clearing: %+v", got)
	}
	if rems, _ := api.Store.ListReminders(ctx, "ann", "pending"); len(rems) != 0 {
		t.Errorf("reminder still pending without a due date: %+v", rems)
	}

	// Sending the same values changes nothing and emits nothing.
	mark = len(api.Outbox())
	api.Do("ann", "PATCH", fmt.Sprintf("/api/ann/tasks/%d", task.ID), map[string]any{"title": "Final plan"}).Expect(t, 200)
	if len(api.Outbox()) != mark {
		t.Error("a no-op update emitted an event")
	}
}

func TestUpdateRejectsBadInputWithoutWriting(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, updatetask.Routes)
	task := newTask(t, api, "ann")
	path := fmt.Sprintf("/api/ann/tasks/%d", task.ID)
	mark := len(api.Outbox())
	tests := []struct {
		body   any
		status int
		field  string
	}{
		{map[string]any{"title": ""}, 400, "title"},
		{map[string]any{"title": nil}, 400, "title"},
		{map[string]any{"priority": "urgent", "title": "ok"}, 400, "priority"},
		{map[string]any{"recurrence_end_date": task.DueDate.Add(-time.Hour).Format(time.RFC3339)}, 422, "recurrence_end_date"},
		{map[string]any{"recurrence_pattern": nil, "recurrence_end_date": "2030-01-01"}, 422, "recurrence_end_date"},
		{map[string]any{"title": "renamed", "tag_ids": []int{424242}}, 422, "tag_ids"},
		{map[string]any{"completed": "yes"}, 400, "completed"},
	}
	for _, tt := range tests {
		api.Do("ann", "PATCH", path, tt.body).ExpectError(t, tt.status, tt.field)
	}
	got, _ := api.Store.GetTask(context.Background(), "ann", task.ID)
	if got.Title != task.Title || len(api.Outbox()) != mark {
		t.Fatalf("rejected updates changed the task (%q) or wrote %d events", got.Title, len(api.Outbox())-mark)
	}
	// Another user's task does not exist for Bob.
	api.Do("bob", "PATCH", fmt.Sprintf("/api/bob/tasks/%d", task.ID), map[string]any{"title": "mine"}).ExpectError(t, 404, "id")
}

func TestTaskTags(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, updatetask.Routes)
	ctx := context.Background()
	task := newTask(t, api, "ann")
	work, _ := api.Store.CreateTag(ctx, "ann", todo.TagInput{Name: "work"})
	urgent, _ := api.Store.CreateTag(ctx, "ann", todo.TagInput{Name: "urgent"})
	api.Store.EnsureUser(ctx, todo.User{ID: "bob"})
	bobs, _ := api.Store.CreateTag(ctx, "bob", todo.TagInput{Name: "bobs"})
	path := fmt.Sprintf("/api/ann/tasks/%d/tags", task.ID)
	mark := len(api.Outbox())

	var got todo.Task
	api.Do("ann", "POST", path, map[string]any{"tag_ids": []int64{work.ID, urgent.ID}}).Expect(t, 200).Decode(t, &got)
	if names := got.TagNames(); !slices.Equal(names, []string{"home", "urgent", "work"}) {
		t.Fatalf("tags after add: %v", names)
	}
	api.Do("ann", "DELETE", path, map[string]any{"tag_ids": []int64{urgent.ID}}).Expect(t, 200).Decode(t, &got)
	if names := got.TagNames(); !slices.Equal(names, []string{"home", "work"}) {
		t.Fatalf("tags after remove: %v", names)
	}
	if types := api.OutboxTypes(mark); !slices.Equal(types, []string{"task.updated", "task.updated"}) {
		t.Errorf("events %v", types)
	}
	api.Do("ann", "POST", path, map[string]any{"tag_ids": []int64{bobs.ID}}).ExpectError(t, 422, "tag_ids")
	api.Do("ann", "POST", path, map[string]any{"tag_ids": []int64{}}).ExpectError(t, 400, "tag_ids")
	api.Do("bob", "POST", fmt.Sprintf("/api/bob/tasks/%d/tags", task.ID), map[string]any{"tag_ids": []int64{bobs.ID}}).ExpectError(t, 404, "id")

	// The 21st tag is refused and nothing changes.
	var ids []int64
	for i := range 19 {
		g, err := api.Store.CreateTag(ctx, "ann", todo.TagInput{Name: fmt.Sprintf("t%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	api.Do("ann", "POST", path, map[string]any{"tag_ids": ids}).ExpectError(t, 400, "tags") // one rule, one status: todo.CheckTagCount
	if cur, _ := api.Store.GetTask(ctx, "ann", task.ID); len(cur.Tags) != 2 {
		t.Fatalf("a refused tag change left %d tags", len(cur.Tags))
	}
}

// The seed's web client links one tag with {"tag_id": n} and unlinks it by path (204).
func TestSingularTagRoutes(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, updatetask.Routes)
	task := newTask(t, api, "ann")
	tag, err := api.Store.CreateTag(context.Background(), "ann", todo.TagInput{Name: "été"})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/ann/tasks/%d/tags", task.ID)
	var got todo.Task
	api.Do("ann", "POST", path, map[string]any{"tag_id": tag.ID}).Expect(t, 200).Decode(t, &got)
	if names := got.TagNames(); !slices.Equal(names, []string{"home", "été"}) {
		t.Fatalf("after linking: %v", names)
	}
	api.Do("ann", "DELETE", fmt.Sprintf("%s/%d", path, tag.ID), nil).Expect(t, 204)
	stored, _ := api.Store.GetTask(context.Background(), "ann", task.ID)
	if names := stored.TagNames(); !slices.Equal(names, []string{"home"}) {
		t.Fatalf("after unlinking: %v", names)
	}
	api.Do("ann", "DELETE", fmt.Sprintf("%s/%d", path, tag.ID), nil).Expect(t, 204) // already unlinked
	api.Do("ann", "POST", path, map[string]any{"tag_id": 0}).ExpectError(t, 400, "tag_id")
	api.Do("ann", "DELETE", fmt.Sprintf("/api/ann/tasks/%d/tags/%d", task.ID+1000, tag.ID), nil).ExpectError(t, 404, "id")
	api.Do("bob", "DELETE", fmt.Sprintf("/api/bob/tasks/%d/tags/%d", task.ID, tag.ID), nil).ExpectError(t, 404, "id")
}

// PUT from a datetime-local input: the wall-clock time in the user's zone; null resets
// priority and clears the rest.
func TestUpdateSeedClientShapes(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, updatetask.Routes)
	task := newTask(t, api, "ann")
	if _, err := api.Store.UpdateProfile(context.Background(), "ann", todo.ProfileChanges{TimeZone: ptr("Europe/Paris")}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/ann/tasks/%d", task.ID)
	var got todo.Task
	api.Do("ann", "PUT", path, map[string]any{"title": "Plan", "due_date": "2027-12-03T09:00", "priority": "high"}).Expect(t, 200).Decode(t, &got)
	if want := time.Date(2027, 12, 3, 8, 0, 0, 0, time.UTC); got.DueDate == nil || !got.DueDate.Equal(want) {
		t.Fatalf("due %v, want %v (09:00 in Paris)", got.DueDate, want)
	}
	res := api.Do("ann", "PATCH", path, map[string]any{"priority": nil, "description": nil, "due_date": nil, "recurrence_pattern": nil, "tags": nil}).Expect(t, 200)
	res.Decode(t, &got)
	if got.Priority != todo.Medium || got.DueDate != nil || got.RecurrencePattern != nil || len(got.Tags) != 0 || got.Title != "Plan" {
		t.Fatalf("after nulls: %+v", got)
	}
	if !strings.Contains(string(res.Body), `"is_completed":false`) {
		t.Errorf("no is_completed: %s", res.Body)
	}
}

// An edit form that sends the task back with is_completed (or completed) completes or
// reopens it in the same change, as POST and PATCH .../complete do.
func TestUpdateCompletes(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, updatetask.Routes)
	task := newTask(t, api, "ann")
	path := fmt.Sprintf("/api/ann/tasks/%d", task.ID)
	mark := len(api.Outbox())
	var got todo.Task
	api.Do("ann", "PUT", path, map[string]any{"title": "Done plan", "is_completed": true}).Expect(t, 200).Decode(t, &got)
	if !got.Completed || got.CompletedAt == nil || got.Title != "Done plan" {
		t.Fatalf("after is_completed=true: %+v", got)
	}
	if types := api.OutboxTypes(mark); !slices.Equal(types, []string{"task.updated", "task.completed"}) {
		t.Errorf("events %v", types)
	}
	api.Do("ann", "PUT", path, map[string]any{"completed": true, "is_completed": true}).Expect(t, 200) // no change
	api.Do("ann", "PATCH", path, map[string]any{"completed": false}).Expect(t, 200).Decode(t, &got)
	if got.Completed || got.CompletedAt != nil {
		t.Fatalf("after completed=false: %+v", got)
	}
	api.Do("ann", "PATCH", path, map[string]any{"completed": true, "is_completed": false}).ExpectError(t, 400, "is_completed")
	api.Do("ann", "PATCH", path, map[string]any{"is_completed": nil}).ExpectError(t, 400, "is_completed")
	if stored, _ := api.Store.GetTask(context.Background(), "ann", task.ID); stored.Completed {
		t.Error("a refused change completed the task")
	}
}

func ptr[T any](v T) *T { return &v }
