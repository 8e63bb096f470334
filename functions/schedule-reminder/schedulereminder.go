// Package schedulereminder is the schedule-reminder function: POST /api/{user_id}/reminders
// schedules a reminder (at a time, or an offset before the due date; 1 hour before by
// default) and emits reminder.scheduled; DELETE /api/{user_id}/reminders/{id} removes one.
package schedulereminder

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what schedule-reminder needs of the store.
type Store interface {
	CreateReminder(ctx context.Context, userID string, spec todo.ReminderSpec) (todo.Reminder, error)
	DeleteReminder(ctx context.Context, userID string, id int64) error
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := Store(d.Store), d.Errors
	return []runtime.Route{
		{Pattern: "POST /api/{user_id}/reminders", Handler: ew.JSON(http.StatusCreated, func(r *http.Request, user string) (any, error) {
			in, err := runtime.Body[todo.ReminderInput](r)
			if err != nil {
				return nil, err
			}
			spec, err := in.Spec()
			if err != nil {
				return nil, err
			}
			return s.CreateReminder(r.Context(), user, spec)
		}), Doc: &openapi.Operation{Tag: "Reminders", Summary: "Schedule a reminder", Status: http.StatusCreated,
			Body: todo.ReminderInput{}, Response: todo.Reminder{}, Errors: []int{http.StatusUnprocessableEntity}}},
		{Pattern: "DELETE /api/{user_id}/reminders/{id}", Handler: ew.JSON(http.StatusNoContent, func(r *http.Request, user string) (any, error) {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			return nil, s.DeleteReminder(r.Context(), user, id)
		}), Doc: &openapi.Operation{Tag: "Reminders", Summary: "Delete a reminder",
			Description: "A reminder still to be sent is announced as cancelled."}},
	}
}
