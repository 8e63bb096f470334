// Package completetask is the complete-task function: POST /api/{user_id}/tasks/{id}/complete
// marks a task done (idempotently), cancels its pending reminders and emits task.completed;
// PATCH toggles, as the seed's clients expect.
package completetask

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what complete-task needs of the store.
type Store interface {
	CompleteTask(ctx context.Context, userID string, id int64, toggle bool) (todo.Task, error)
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	return []runtime.Route{
		{Pattern: "POST /api/{user_id}/tasks/{id}/complete", Handler: Handler(d.Store, d.Errors, false), Doc: &openapi.Operation{
			Tag: "Tasks", Summary: "Complete a task", Response: todo.Task{},
			Description: "Idempotent. Pending reminders are cancelled; a recurring task's next instance appears.",
		}},
		{Pattern: "PATCH /api/{user_id}/tasks/{id}/complete", Handler: Handler(d.Store, d.Errors, true), Doc: &openapi.Operation{
			Tag: "Tasks", Summary: "Toggle completion", Response: todo.Task{},
			Description: "Completes an open task, reopens a completed one (as the seed's clients do).",
		}},
	}
}

// Handler completes (or, with toggle, flips) the task and answers 200 with it.
func Handler(s Store, ew runtime.ErrorWriter, toggle bool) http.Handler {
	return ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
		id, err := runtime.PathID(r, "id")
		if err != nil {
			return nil, err
		}
		return s.CompleteTask(r.Context(), user, id, toggle)
	})
}
