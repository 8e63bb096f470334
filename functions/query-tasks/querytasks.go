// Package querytasks is the query-tasks function, the read side of the API:
// GET /api/{user_id}/tasks (filters, search, sort, cursor pages), GET .../tasks/{id} and
// GET .../reminders. It never writes, so it scales independently of the write functions.
package querytasks

import (
	"context"
	"net/http"
	"net/url"

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

// ReminderList is the answer of GET /reminders.
type ReminderList struct {
	Reminders []todo.Reminder `json:"reminders"`
	Count     int             `json:"count"`
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := Store(d.Store), d.Errors
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
			if page.NextCursor != nil {
				w.Header().Set("Link", NextLink(r.URL, *page.NextCursor))
			}
			runtime.WriteJSON(w, http.StatusOK, page)
			return nil
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

// NextLink is the Link header (RFC 8288) of a page that has more: the same request with the
// next page's cursor, relative to the request's own URL.
func NextLink(u *url.URL, cursor string) string {
	q := u.Query()
	q.Set("cursor", cursor)
	return "<" + u.Path + "?" + q.Encode() + `>; rel="next"`
}
