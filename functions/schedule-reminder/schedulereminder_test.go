package schedulereminder_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	schedulereminder "github.com/taskline/taskline/functions/schedule-reminder"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func task(t *testing.T, api *apitest.API, user string, due *time.Time) todo.Task {
	t.Helper()
	ctx := context.Background()
	api.Store.EnsureUser(ctx, todo.User{ID: user})
	title, pri := "Dentist", todo.Medium
	c := todo.TaskChanges{Title: &title, Priority: &pri}
	if due != nil {
		c.DueDate = todo.Some(*due)
	}
	tk, err := api.Store.CreateTask(ctx, user, c)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestScheduleReminder(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, schedulereminder.Routes)
	due := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	tk := task(t, api, "ann", &due)
	mark := len(api.Outbox())

	var r todo.Reminder
	at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	api.Do("ann", "POST", "/api/ann/reminders", map[string]any{"task_id": tk.ID, "remind_at": at.Format(time.RFC3339)}).
		Expect(t, 201).Decode(t, &r)
	if !r.RemindAt.Equal(at) || r.Status != todo.ReminderPending || r.Sent || r.TaskTitle != "Dentist" || r.BeforeDue != nil {
		t.Fatalf("absolute reminder %+v", r)
	}
	api.Do("ann", "POST", "/api/ann/reminders", map[string]any{"task_id": tk.ID, "before_due": "1d"}).Expect(t, 201).Decode(t, &r)
	if !r.RemindAt.Equal(due.Add(-24*time.Hour)) || r.BeforeDue == nil || *r.BeforeDue != "1d" {
		t.Fatalf("1d before due: %+v", r)
	}
	api.Do("ann", "POST", "/api/ann/reminders", map[string]any{"task_id": tk.ID}).Expect(t, 201).Decode(t, &r)
	if !r.RemindAt.Equal(due.Add(-time.Hour)) {
		t.Fatalf("default reminder at %v, want an hour before %v", r.RemindAt, due)
	}
	events := api.Outbox()[mark:]
	if len(events) != 3 || events[0].Type != "reminder.scheduled" || events[0].Topic != "reminder-events" ||
		events[0].Subject == "" || events[0].Data["task_title"] != "Dentist" {
		t.Fatalf("events %+v", events)
	}
}

func TestScheduleReminderRules(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, schedulereminder.Routes)
	due := time.Now().Add(30 * time.Minute).UTC()
	soon := task(t, api, "ann", &due)
	undated := task(t, api, "ann", nil)
	done := task(t, api, "ann", nil)
	if _, err := api.Store.CompleteTask(context.Background(), "ann", done.ID, false); err != nil {
		t.Fatal(err)
	}
	bobs := task(t, api, "bob", nil)
	mark := len(api.Outbox())
	past := time.Now().Add(-time.Minute).Format(time.RFC3339)
	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"no task", map[string]any{"before_due": "1h"}, 400, "task_id"},
		{"time in the past", map[string]any{"task_id": soon.ID, "remind_at": past}, 422, "remind_at"},
		{"offset already passed", map[string]any{"task_id": soon.ID, "before_due": "1h"}, 422, "before_due"},
		{"offset without due date", map[string]any{"task_id": undated.ID, "before_due": "1h"}, 422, "before_due"},
		{"default without due date", map[string]any{"task_id": undated.ID}, 422, "before_due"},
		{"both", map[string]any{"task_id": soon.ID, "before_due": "1h", "remind_at": past}, 400, "remind_at"},
		{"bad offset", map[string]any{"task_id": soon.ID, "before_due": "an hour"}, 400, "before_due"},
		{"completed task", map[string]any{"task_id": done.ID, "remind_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, 422, "task_id"},
		{"another user's task", map[string]any{"task_id": bobs.ID, "remind_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, 404, "task_id"},
		{"missing task", map[string]any{"task_id": 999999, "remind_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, 404, "task_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api.Do("ann", "POST", "/api/ann/reminders", tt.body).ExpectError(t, tt.status, tt.field)
		})
	}
	if len(api.Outbox()) != mark {
		t.Fatal("rejected reminders wrote events")
	}
	if rems, _ := api.Store.ListReminders(context.Background(), "ann", "all"); len(rems) != 0 {
		t.Fatalf("rejected reminders were stored: %+v", rems)
	}
}

func TestDeleteReminder(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, schedulereminder.Routes)
	due := time.Now().Add(72 * time.Hour)
	tk := task(t, api, "ann", &due)
	r, err := api.Store.CreateReminder(context.Background(), "ann", todo.ReminderSpec{TaskID: tk.ID, BeforeDue: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mark := len(api.Outbox())
	api.Do("bob", "DELETE", fmt.Sprintf("/api/bob/reminders/%d", r.ID), nil).ExpectError(t, 404, "id")
	api.Do("ann", "DELETE", fmt.Sprintf("/api/ann/reminders/%d", r.ID), nil).Expect(t, 204)
	if types := api.OutboxTypes(mark); !slices.Equal(types, []string{"reminder.cancelled"}) {
		t.Fatalf("events %v", types)
	}
	if e := api.Outbox()[mark]; e.Data["reason"] != "user_cancelled" {
		t.Errorf("reason %v", e.Data["reason"])
	}
	api.Do("ann", "DELETE", fmt.Sprintf("/api/ann/reminders/%d", r.ID), nil).ExpectError(t, 404, "id")
}

// remind_at from a datetime-local input is read in the user's zone; null for both times is
// the default, an hour before due.
func TestReminderFromSeedClient(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, schedulereminder.Routes)
	due := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	tk := task(t, api, "ann", &due)
	if _, err := api.Store.UpdateProfile(context.Background(), "ann", todo.ProfileChanges{TimeZone: ptr("Asia/Kolkata")}); err != nil {
		t.Fatal(err)
	}
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	at := time.Now().Add(2 * time.Hour).In(kolkata).Truncate(time.Minute)
	var r todo.Reminder
	api.Do("ann", "POST", "/api/ann/reminders", map[string]any{"task_id": tk.ID, "remind_at": at.Format("2006-01-02T15:04")}).
		Expect(t, 201).Decode(t, &r)
	if !r.RemindAt.Equal(at) {
		t.Fatalf("remind_at %v, want %v", r.RemindAt, at.UTC())
	}
	api.Do("ann", "POST", "/api/ann/reminders", map[string]any{"task_id": tk.ID, "remind_at": nil, "before_due": nil}).
		Expect(t, 201).Decode(t, &r)
	if !r.RemindAt.Equal(due.Add(-time.Hour)) {
		t.Fatalf("nulls: remind_at %v, want an hour before %v", r.RemindAt, due)
	}
}

func ptr[T any](v T) *T { return &v }
