// Package managetags is the manage-tags function: GET /api/{user_id}/tags (with prefix= for
// autocomplete), POST /api/{user_id}/tags and DELETE /api/{user_id}/tags/{id}.
package managetags

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what manage-tags needs of the store.
type Store interface {
	ListTags(ctx context.Context, userID, prefix string) ([]todo.Tag, error)
	CreateTag(ctx context.Context, userID string, in todo.TagInput) (todo.Tag, error)
	DeleteTag(ctx context.Context, userID string, id int64) error
}

// TagList is the answer of GET /tags.
type TagList struct {
	Tags  []todo.Tag `json:"tags"`
	Count int        `json:"count"`
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := Store(d.Store), d.Errors
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/tags", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			tags, err := s.ListTags(r.Context(), user, r.URL.Query().Get("prefix"))
			return TagList{Tags: tags, Count: len(tags)}, err
		}), Doc: &openapi.Operation{Tag: "Tags", Summary: "List your tags", Response: TagList{},
			Query: []openapi.Param{{Name: "prefix", Description: "Only names starting with it, ignoring case (autocomplete)."}}}},
		{Pattern: "POST /api/{user_id}/tags", Handler: ew.JSON(http.StatusCreated, func(r *http.Request, user string) (any, error) {
			in, err := runtime.Body[todo.TagInput](r)
			if err != nil {
				return nil, err
			}
			if err := in.Validate(); err != nil {
				return nil, err
			}
			return s.CreateTag(r.Context(), user, in)
		}), Doc: &openapi.Operation{Tag: "Tags", Summary: "Create a tag", Status: http.StatusCreated, Body: todo.TagInput{},
			Response: todo.Tag{}, Errors: []int{http.StatusConflict}}},
		{Pattern: "DELETE /api/{user_id}/tags/{id}", Handler: ew.JSON(http.StatusNoContent, func(r *http.Request, user string) (any, error) {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			return nil, s.DeleteTag(r.Context(), user, id)
		}), Doc: &openapi.Operation{Tag: "Tags", Summary: "Delete a tag", Description: "It is unlinked from every task."}},
	}
}
