// Package deletetask is the delete-task function: DELETE /api/{user_id}/tasks/{id} removes
// a task, cancelling its pending reminders, and emits task.deleted.
package deletetask

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
)

// Store is what delete-task needs of the store.
type Store interface {
	DeleteTask(ctx context.Context, userID string, id int64) error
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	return []runtime.Route{{Pattern: "DELETE /api/{user_id}/tasks/{id}", Handler: Handler(d.Store, d.Errors), Doc: &openapi.Operation{
		Tag: "Tasks", Summary: "Delete a task", Description: "Its pending reminders are cancelled.",
	}}}
}

// Handler deletes the task and answers 204.
func Handler(s Store, ew runtime.ErrorWriter) http.Handler {
	return ew.JSON(http.StatusNoContent, func(r *http.Request, user string) (any, error) {
		id, err := runtime.PathID(r, "id")
		if err != nil {
			return nil, err
		}
		return nil, s.DeleteTask(r.Context(), user, id)
	})
}
