// Package createtask is the create-task function: POST /api/{user_id}/tasks validates a
// task and stores it with its tags, emitting task.created in the same transaction.
//
// Quick add: POST /api/{user_id}/tasks?parse=true with {"text": "Pay rent every month on
// the 1st #home p1"} reads the line in the user's zone (the parser the chat's built-in
// assistant uses) and creates the task, with its reminder when the text asks for one.
// POST /api/{user_id}/tasks/parse answers what that line would make, writing nothing: the
// live preview of the web app's "New task" box.
package createtask

import (
	"net/http"
	"time"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// Store is what create-task needs of the store: quick add goes through the tools.
type Store interface {
	tool.Store
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	now := func() time.Time { return d.Store.Now() }
	return []runtime.Route{
		{Pattern: "POST /api/{user_id}/tasks", Handler: Handler(d.Store, d.Errors, now), Doc: &openapi.Operation{
			Tag: "Tasks", Summary: "Create a task", Status: http.StatusCreated,
			Description: "Tags named in tags are created when missing; priority defaults to medium. Quick add: with " +
				"parse=true the body is {\"text\": \"...\"}, one line read in the user's zone (dates, recurrence, priority, " +
				"#tags, a reminder).",
			Query: []openapi.Param{{Name: "parse", Type: "boolean", Description: "true: the body is a QuickInput line to read."}},
			Body:  todo.TaskInput{}, Required: []string{"title"}, AltBody: QuickInput{}, Response: todo.Task{},
			Errors: []int{http.StatusUnprocessableEntity},
		}},
		{Pattern: "POST /api/{user_id}/tasks/parse", Handler: PreviewHandler(d.Store, d.Errors, now), Doc: &openapi.Operation{
			Tag: "Tasks", Summary: "Preview a quick add", Body: QuickInput{}, Response: tool.Preview{},
			Description: "What POST /tasks?parse=true would make of the line, writing nothing.",
		}},
	}
}

// QuickInput is the body of a quick add and of its preview.
type QuickInput struct {
	Text string `json:"text"`
}

// Handler answers POST /api/{user_id}/tasks with 201 and the task.
func Handler(s Store, ew runtime.ErrorWriter, now func() time.Time) http.Handler {
	return ew.JSON(http.StatusCreated, func(r *http.Request, user string) (any, error) {
		if r.URL.Query().Get("parse") == "true" {
			in, err := runtime.Body[QuickInput](r)
			if err != nil {
				return nil, err
			}
			res, err := tool.AddFromText(r.Context(), s, user, in.Text, now())
			if err != nil {
				return nil, err
			}
			return res.Task, nil
		}
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

// PreviewHandler answers POST /api/{user_id}/tasks/parse with what quick add would make of
// the text: the task's fields, the reminder, a question when no task can be made, and the
// spans of text read as each thing.
func PreviewHandler(s Store, ew runtime.ErrorWriter, now func() time.Time) http.Handler {
	return ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
		in, err := runtime.Body[QuickInput](r)
		if err != nil {
			return nil, err
		}
		profile, err := s.Profile(r.Context(), user)
		if err != nil {
			return nil, err
		}
		p, _, err := tool.PreviewOf(in.Text, now(), profile.Location())
		return p, err
	})
}
