// Package tokens is the personal access tokens function: POST, GET and DELETE
// /api/{user_id}/tokens. A token is a bearer token for scripts and the HTTP Basic password
// of CalDAV clients (scope read or read-write), or the key of the user's calendar feed
// (scope feed). Its secret is shown once; the store keeps only its hash.
//
// It is its own function, not part of caldav, because tokens serve the whole API (scripts)
// as much as /dav/, and the feed; caldav only checks them.
package tokens

import (
	"net/http"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Name is the function's name.
const Name = "tokens"

// FeedPath is where a feed token opens the calendar feed (served by the caldav function).
func FeedPath(secret string) string { return "/feeds/" + secret + ".ics" }

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := d.Store, d.Errors
	base := d.Config.AppBaseURL
	return []runtime.Route{
		{Pattern: "POST /api/{user_id}/tokens", Handler: ew.JSON(http.StatusCreated, func(r *http.Request, user string) (any, error) {
			if err := sessionOnly(r); err != nil {
				return nil, err
			}
			in, err := runtime.Body[todo.TokenInput](r)
			if err != nil {
				return nil, err
			}
			spec, err := in.Spec()
			if err != nil {
				return nil, err
			}
			k, err := s.CreateToken(r.Context(), user, spec)
			if err != nil {
				return nil, err
			}
			if k.Scope == todo.ScopeFeed {
				k.FeedURL = base + FeedPath(k.Secret)
			}
			return k, nil
		}), Doc: &openapi.Operation{Tag: "Tokens", Summary: "Create a personal access token", Body: todo.TokenInput{}, Response: todo.TokenCreated{},
			Description: "The answer's token is the secret: it is shown only this once. Use it as a bearer token on the API, as the password " +
				"(any user name) of a CalDAV client at /dav/, or, for scope feed, as the calendar subscription feed_url. " +
				"A read token is refused (403) on every write. Tokens cannot manage tokens: these routes need a sign-in token."}},
		{Pattern: "GET /api/{user_id}/tokens", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			if err := sessionOnly(r); err != nil {
				return nil, err
			}
			ks, err := s.ListTokens(r.Context(), user)
			if err != nil {
				return nil, err
			}
			return TokenList{Tokens: ks, Count: len(ks)}, nil
		}), Doc: &openapi.Operation{Tag: "Tokens", Summary: "List your tokens", Response: TokenList{},
			Description: "Newest first, with when each was last used (to the minute); never the secrets."}},
		{Pattern: "DELETE /api/{user_id}/tokens/{id}", Handler: ew.JSON(http.StatusNoContent, func(r *http.Request, user string) (any, error) {
			if err := sessionOnly(r); err != nil {
				return nil, err
			}
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			return nil, s.DeleteToken(r.Context(), user, id)
		}), Doc: &openapi.Operation{Tag: "Tokens", Summary: "Revoke a token", Description: "The next request with it is refused, a CalDAV sync in progress included."}},
	}
}

// TokenList is the answer of GET /tokens.
type TokenList struct {
	Tokens []todo.Token `json:"tokens"`
	Count  int          `json:"count"`
}

// sessionOnly refuses a personal access token: a leaked token must not mint more tokens or
// outlive its own revocation.
func sessionOnly(r *http.Request) error {
	if c := auth.ClaimsOf(r.Context()); c != nil && c.Token != nil {
		return todo.Errorf(todo.Forbidden, "authorization", "tokens are managed with a sign-in token, not with a personal access token")
	}
	return nil
}
