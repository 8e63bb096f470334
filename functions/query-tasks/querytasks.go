// Package querytasks is the query-tasks function, the read side of the API:
// GET /api/{user_id}/tasks (filters, search, sort, cursor pages), GET .../tasks/{id} and
// GET .../reminders. It never writes, so it scales independently of the write functions.
package querytasks

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what query-tasks needs of the store.
type Store interface {
	ListTasks(ctx context.Context, userID string, q todo.TaskQuery) (todo.TaskPage, error)
	GetTask(ctx context.Context, userID string, id int64) (todo.Task, error)
	ListReminders(ctx context.Context, userID, status string) ([]todo.Reminder, error)
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := d.Store, d.Errors
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/tasks", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			q, err := todo.ParseTaskQuery(r.URL.Query())
			if err != nil {
				return err
			}
			page, err := s.ListTasks(r.Context(), auth.UserID(r.Context()), q)
			if err != nil {
				return err
			}
			runtime.WriteJSON(w, http.StatusOK, page)
			return nil
		})},
		{Pattern: "GET /api/{user_id}/tasks/{id}", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return err
			}
			t, err := s.GetTask(r.Context(), auth.UserID(r.Context()), id)
			if err != nil {
				return err
			}
			runtime.WriteJSON(w, http.StatusOK, t)
			return nil
		})},
		{Pattern: "GET /api/{user_id}/reminders", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			status, err := todo.ParseReminderFilter(r.URL.Query())
			if err != nil {
				return err
			}
			list, err := s.ListReminders(r.Context(), auth.UserID(r.Context()), status)
			if err != nil {
				return err
			}
			runtime.WriteJSON(w, http.StatusOK, map[string]any{"reminders": list, "count": len(list)})
			return nil
		})},
	}
}
