// Package createtask is the create-task function: POST /api/{user_id}/tasks validates a
// task and stores it with its tags, emitting task.created in the same transaction.
package createtask

import (
	"context"
	"net/http"
	"strconv"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what create-task needs of the store.
type Store interface {
	CreateTask(ctx context.Context, userID string, c todo.TaskChanges) (todo.Task, error)
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	return []runtime.Route{{Pattern: "POST /api/{user_id}/tasks", Handler: Handler(d.Store, d.Errors)}}
}

// Handler answers POST /api/{user_id}/tasks with 201 and the task.
func Handler(s Store, ew runtime.ErrorWriter) http.Handler {
	return ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var in todo.TaskInput
		if err := runtime.DecodeJSON(w, r, &in); err != nil {
			return err
		}
		c, err := in.Changes(true)
		if err != nil {
			return err
		}
		t, err := s.CreateTask(r.Context(), auth.UserID(r.Context()), c)
		if err != nil {
			return err
		}
		w.Header().Set("Location", r.URL.Path+"/"+strconv.FormatInt(t.ID, 10))
		runtime.WriteJSON(w, http.StatusCreated, t)
		return nil
	})
}
