package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/taskline/taskline/shared/todo"
)

// Tokens checks personal access tokens (the store implements it).
type Tokens interface {
	AuthenticateToken(ctx context.Context, secret string) (todo.TokenAuth, error)
}

// IsAccessToken tells a personal access or feed token from a JWT by its prefix.
func IsAccessToken(s string) bool {
	return strings.HasPrefix(s, todo.PATPrefix) || strings.HasPrefix(s, todo.FeedPrefix)
}

// authenticateToken checks a personal access token on every request (no cache: a revoked
// token is refused at once). Feed tokens open only the feed, never the API or /dav/.
func (g *Guard) authenticateToken(ctx context.Context, secret string) (*Claims, error) {
	if g.Tokens == nil {
		return nil, todo.Errorf(todo.Unauthorized, "authorization", "personal access tokens are not accepted here")
	}
	a, err := g.Tokens.AuthenticateToken(ctx, secret)
	if err != nil {
		return nil, err
	}
	if a.Scope == todo.ScopeFeed {
		return nil, todo.Errorf(todo.Unauthorized, "authorization", "a feed token only opens the calendar feed (/feeds/{token}.ics)")
	}
	c := &Claims{Token: &a}
	c.Subject = a.UserID
	return c, nil
}

// AuthenticateRequest reads the request's credentials: a bearer token (a JWT or a personal
// access token), or HTTP Basic with a personal access token as the password and any user
// name (CalDAV clients can only send Basic).
func (g *Guard) AuthenticateRequest(r *http.Request) (*Claims, error) {
	if _, pass, ok := r.BasicAuth(); ok {
		if !IsAccessToken(pass) {
			return nil, todo.Errorf(todo.Unauthorized, "authorization", "the password must be a personal access token (create one in Settings, or POST /api/{user_id}/tokens)")
		}
		return g.authenticateToken(r.Context(), pass)
	}
	return g.Authenticate(r.Context(), r.Header.Get("Authorization"))
}

// safeMethods only read: what a read-scoped token may do.
var safeMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodOptions: true, "PROPFIND": true, "REPORT": true,
}

// CheckScope refuses a write made with a read-only token (403).
func CheckScope(c *Claims, method string) error {
	if c != nil && c.Token != nil && c.Token.Scope == todo.ScopeRead && !safeMethods[method] {
		return todo.Errorf(todo.Forbidden, "authorization", "the token is read-only; %s needs a read-write token", method)
	}
	return nil
}

// WithClaims returns ctx carrying the authenticated user and claims, as Require sets them.
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(WithUserID(ctx, c.Subject), claimsKey{}, c)
}
