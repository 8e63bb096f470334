// Package querytasks is the query-tasks function, the read side of the API:
// GET /api/{user_id}/tasks (filters, search, sort, cursor pages), GET .../tasks/{id} and
// GET .../reminders. It never writes, so it scales independently of the write functions.
package querytasks

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what query-tasks needs of the store.
type Store interface {
	ListTasks(ctx context.Context, userID string, q todo.TaskQuery) (todo.TaskPage, error)
	GetTask(ctx context.Context, userID string, id int64) (todo.Task, error)
	ListReminders(ctx context.Context, userID, status string) ([]todo.Reminder, error)
}

// ReminderList is the answer of GET /reminders.
type ReminderList struct {
	Reminders []todo.Reminder `json:"reminders"`
	Count     int             `json:"count"`
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := Store(d.Store), d.Errors
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/tasks", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			q, err := todo.ParseTaskQuery(r.URL.Query())
			if err != nil {
				return nil, err
			}
			return s.ListTasks(r.Context(), user, q)
		})},
		{Pattern: "GET /api/{user_id}/tasks/{id}", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			return s.GetTask(r.Context(), user, id)
		})},
		{Pattern: "GET /api/{user_id}/reminders", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			status, err := todo.ParseReminderFilter(r.URL.Query())
			if err != nil {
				return nil, err
			}
			list, err := s.ListReminders(r.Context(), user, status)
			return ReminderList{Reminders: list, Count: len(list)}, err
		})},
	}
}
