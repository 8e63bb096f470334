// Package createtask is the create-task function: POST /api/{user_id}/tasks validates a
// task and stores it with its tags, emitting task.created in the same transaction.
package createtask

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what create-task needs of the store.
type Store interface {
	CreateTask(ctx context.Context, userID string, c todo.TaskChanges) (todo.Task, error)
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	return []runtime.Route{{Pattern: "POST /api/{user_id}/tasks", Handler: Handler(d.Store, d.Errors), Doc: &openapi.Operation{
		Tag: "Tasks", Summary: "Create a task", Status: http.StatusCreated,
		Description: "Tags named in tags are created when missing; priority defaults to medium.",
		Body:        todo.TaskInput{}, Required: []string{"title"}, Response: todo.Task{}, Errors: []int{http.StatusUnprocessableEntity},
	}}}
}

// Handler answers POST /api/{user_id}/tasks with 201 and the task.
func Handler(s Store, ew runtime.ErrorWriter) http.Handler {
	return ew.JSON(http.StatusCreated, func(r *http.Request, user string) (any, error) {
		in, err := runtime.Body[todo.TaskInput](r)
		if err != nil {
			return nil, err
		}
		c, err := in.Changes(true)
		if err != nil {
			return nil, err
		}
		return s.CreateTask(r.Context(), user, c)
	})
}
