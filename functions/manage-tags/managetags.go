// Package managetags is the manage-tags function: GET /api/{user_id}/tags (with prefix= for
// autocomplete), POST /api/{user_id}/tags and DELETE /api/{user_id}/tags/{id}.
package managetags

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what manage-tags needs of the store.
type Store interface {
	ListTags(ctx context.Context, userID, prefix string) ([]todo.Tag, error)
	CreateTag(ctx context.Context, userID string, in todo.TagInput) (todo.Tag, error)
	DeleteTag(ctx context.Context, userID string, id int64) error
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := d.Store, d.Errors
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/tags", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			tags, err := s.ListTags(r.Context(), auth.UserID(r.Context()), r.URL.Query().Get("prefix"))
			if err != nil {
				return err
			}
			runtime.WriteJSON(w, http.StatusOK, map[string]any{"tags": tags, "count": len(tags)})
			return nil
		})},
		{Pattern: "POST /api/{user_id}/tags", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			var in todo.TagInput
			if err := runtime.DecodeJSON(w, r, &in); err != nil {
				return err
			}
			if err := in.Validate(); err != nil {
				return err
			}
			tag, err := s.CreateTag(r.Context(), auth.UserID(r.Context()), in)
			if err != nil {
				return err
			}
			runtime.WriteJSON(w, http.StatusCreated, tag)
			return nil
		})},
		{Pattern: "DELETE /api/{user_id}/tags/{id}", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return err
			}
			if err := s.DeleteTag(r.Context(), auth.UserID(r.Context()), id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})},
	}
}
