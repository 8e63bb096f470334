// Package profile is the profile function: GET /api/{user_id}/profile and PATCH
// /api/{user_id}/profile read and set the user's email (where reminders go) and time zone
// (the zone of recurrence, reminders, emails and natural-language dates). A token's email
// and tz claims only fill a new profile; after that the profile is the truth.
package profile

import (
	"context"
	"net/http"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what the profile function needs of the store.
type Store interface {
	Profile(ctx context.Context, userID string) (todo.Profile, error)
	UpdateProfile(ctx context.Context, userID string, c todo.ProfileChanges) (todo.Profile, error)
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := Store(d.Store), d.Errors
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/profile", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			return s.Profile(r.Context(), user)
		}), Doc: &openapi.Operation{Tag: "Profile", Summary: "Read your profile", Response: todo.Profile{}}},
		{Pattern: "PATCH /api/{user_id}/profile", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			in, err := runtime.Body[todo.ProfileInput](r)
			if err != nil {
				return nil, err
			}
			c, err := in.Changes()
			if err != nil {
				return nil, err
			}
			return s.UpdateProfile(r.Context(), user, c)
		}), Doc: &openapi.Operation{Tag: "Profile", Summary: "Change your email or time zone", Body: todo.ProfileInput{},
			Response: todo.Profile{}, Description: "tz is an IANA zone name; null clears the email and resets the zone to UTC."}},
	}
}
