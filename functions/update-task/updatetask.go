// Package updatetask is the update-task function: PUT and PATCH /api/{user_id}/tasks/{id}
// change the fields sent (null clears due_date and recurrence), and POST and DELETE
// /api/{user_id}/tasks/{id}/tags link and unlink tags. Each change emits task.updated with
// the fields' before and after.
package updatetask

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what update-task needs of the store.
type Store interface {
	UpdateTask(ctx context.Context, userID string, id int64, c todo.TaskChanges) (todo.Task, error)
	AddTaskTags(ctx context.Context, userID string, id int64, tagIDs []int64) (todo.Task, error)
	RemoveTaskTags(ctx context.Context, userID string, id int64, tagIDs []int64) (todo.Task, error)
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	update := Handler(d.Store, d.Errors)
	doc := func(summary, description string) *openapi.Operation {
		return &openapi.Operation{Tag: "Tasks", Summary: summary, Description: description, Body: todo.TaskInput{}, Response: todo.Task{},
			Errors: []int{http.StatusUnprocessableEntity}}
	}
	tags := func(summary string) *openapi.Operation {
		return &openapi.Operation{Tag: "Tasks", Summary: summary, Body: TagIDs{}, Response: todo.Task{}, Errors: []int{http.StatusUnprocessableEntity}}
	}
	return []runtime.Route{
		// PUT takes the same partial body as PATCH: the seed's clients send PUT with only
		// the fields they edit, and a full replacement would wipe the rest.
		{Pattern: "PUT /api/{user_id}/tasks/{id}", Handler: update, Doc: doc("Change a task",
			"The same as PATCH: only the fields sent change.")},
		{Pattern: "PATCH /api/{user_id}/tasks/{id}", Handler: update, Doc: doc("Change a task",
			"Only the fields sent change; null clears a field or resets it to its default. Pending \"before due\" reminders follow a moved due date.")},
		{Pattern: "POST /api/{user_id}/tasks/{id}/tags", Handler: TagsHandler(d.Store, d.Errors, true), Doc: tags("Link tags")},
		{Pattern: "DELETE /api/{user_id}/tasks/{id}/tags", Handler: TagsHandler(d.Store, d.Errors, false), Doc: tags("Unlink tags")},
		// The seed's web client removes one tag by path and expects 204, as for any DELETE.
		{Pattern: "DELETE /api/{user_id}/tasks/{id}/tags/{tag_id}", Handler: UntagHandler(d.Store, d.Errors), Doc: &openapi.Operation{
			Tag: "Tasks", Summary: "Unlink one tag", Description: "A tag the task does not carry is already unlinked (204 too).",
		}},
	}
}

// Handler applies a TaskInput body and answers 200 with the task.
func Handler(s Store, ew runtime.ErrorWriter) http.Handler {
	return ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
		id, err := runtime.PathID(r, "id")
		if err != nil {
			return nil, err
		}
		in, err := runtime.Body[todo.TaskInput](r)
		if err != nil {
			return nil, err
		}
		c, err := in.Changes(false)
		if err != nil {
			return nil, err
		}
		return s.UpdateTask(r.Context(), user, id, c)
	})
}

// TagIDs is the body of the task-tag endpoints: tag_ids, or one tag_id (as the seed's web
// client sends it), or both.
type TagIDs struct {
	TagIDs []int64 `json:"tag_ids"`
	TagID  *int64  `json:"tag_id"`
}

// TagsHandler links (add) or unlinks the tags named in {"tag_ids": [...]} or {"tag_id": n}.
func TagsHandler(s Store, ew runtime.ErrorWriter, add bool) http.Handler {
	do := s.RemoveTaskTags
	if add {
		do = s.AddTaskTags
	}
	return ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
		id, err := runtime.PathID(r, "id")
		if err != nil {
			return nil, err
		}
		in, err := runtime.Body[TagIDs](r)
		if err != nil {
			return nil, err
		}
		if in.TagID != nil {
			if *in.TagID <= 0 {
				return nil, todo.Errorf(todo.Invalid, "tag_id", "tag id %d is not valid", *in.TagID)
			}
			in.TagIDs = append(in.TagIDs, *in.TagID)
		}
		if len(in.TagIDs) == 0 {
			return nil, todo.Errorf(todo.Invalid, "tag_ids", "tag_ids must list at least one tag id")
		}
		for _, t := range in.TagIDs {
			if t <= 0 {
				return nil, todo.Errorf(todo.Invalid, "tag_ids", "tag id %d is not valid", t)
			}
		}
		return do(r.Context(), user, id, in.TagIDs)
	})
}

// UntagHandler unlinks the tag named by the path and answers 204; a tag the task does not
// carry is already unlinked.
func UntagHandler(s Store, ew runtime.ErrorWriter) http.Handler {
	return ew.JSON(http.StatusNoContent, func(r *http.Request, user string) (any, error) {
		id, err := runtime.PathID(r, "id")
		if err != nil {
			return nil, err
		}
		tag, err := runtime.PathID(r, "tag_id")
		if err != nil {
			return nil, err
		}
		_, err = s.RemoveTaskTags(r.Context(), user, id, []int64{tag})
		return nil, err
	})
}
