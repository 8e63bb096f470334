// Package schedulereminder is the schedule-reminder function: POST /api/{user_id}/reminders
// schedules a reminder (at a time, or an offset before the due date; 1 hour before by
// default) and emits reminder.scheduled; DELETE /api/{user_id}/reminders/{id} removes one.
package schedulereminder

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/auth"
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
	s, ew := d.Store, d.Errors
	return []runtime.Route{
		{Pattern: "POST /api/{user_id}/reminders", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			var in todo.ReminderInput
			if err := runtime.DecodeJSON(w, r, &in); err != nil {
				return err
			}
			spec, err := in.Spec()
			if err != nil {
				return err
			}
			rem, err := s.CreateReminder(r.Context(), auth.UserID(r.Context()), spec)
			if err != nil {
				return err
			}
			runtime.WriteJSON(w, http.StatusCreated, rem)
			return nil
		})},
		{Pattern: "DELETE /api/{user_id}/reminders/{id}", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return err
			}
			if err := s.DeleteReminder(r.Context(), auth.UserID(r.Context()), id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})},
	}
}
