// Package auth verifies bearer JWTs and guards the per-user API: the token's subject is the
// user id, and the {user_id} in the path must equal it.
package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/taskline/taskline/shared/todo"
)

// Claims are the token claims Taskline reads: sub (the user id), and optionally email and
// tz (an IANA zone), which are recorded on the user.
type Claims struct {
	Email    string `json:"email,omitempty"`
	TimeZone string `json:"tz,omitempty"`
	// Token is set when the request carried a personal access token instead of a JWT.
	Token *todo.TokenAuth `json:"-"`
	jwt.RegisteredClaims
}

// Verifier checks a token and returns its claims.
type Verifier interface {
	Verify(ctx context.Context, token string) (*Claims, error)
}

type verifier struct {
	keyfunc jwt.Keyfunc
	opts    []jwt.ParserOption
}

// Options restrict accepted tokens beyond their signature and expiry.
type Options struct {
	Issuer   string
	Audience string
}

func (o Options) parserOptions(methods ...string) []jwt.ParserOption {
	opts := []jwt.ParserOption{jwt.WithValidMethods(methods), jwt.WithExpirationRequired(), jwt.WithLeeway(30 * time.Second)}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	if o.Audience != "" {
		opts = append(opts, jwt.WithAudience(o.Audience))
	}
	return opts
}

// HS256 verifies tokens signed with a shared secret.
func HS256(secret []byte, o Options) Verifier {
	return &verifier{
		keyfunc: func(*jwt.Token) (any, error) { return secret, nil },
		opts:    o.parserOptions("HS256"),
	}
}

// JWKS verifies RS256 (and ES256) tokens against the keys published at url, refreshed in
// the background until ctx ends.
func JWKS(ctx context.Context, url string, o Options) (Verifier, error) {
	k, err := keyfunc.NewDefaultCtx(ctx, []string{url})
	if err != nil {
		return nil, fmt.Errorf("loading JWKS from %s: %w", url, err)
	}
	return &verifier{keyfunc: k.Keyfunc, opts: o.parserOptions("RS256", "ES256")}, nil
}

func (v *verifier) Verify(_ context.Context, token string) (*Claims, error) {
	if err := checkShape(token); err != nil {
		return nil, err
	}
	var c Claims
	if _, err := jwt.ParseWithClaims(token, &c, v.keyfunc, v.opts...); err != nil {
		return nil, err
	}
	if c.Subject == "" {
		return nil, errors.New("token has no subject")
	}
	return &c, nil
}

// checkShape refuses what the JWT library lets through: a "crit" header (RFC 7515 4.1.11:
// extensions the recipient must understand; Taskline understands none, so any is refused)
// and time claims (exp, nbf, iat) that are not JSON numbers (RFC 7519 2, NumericDate; the
// library also reads "exp":"1999999999").
func checkShape(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("token is not three dot-separated parts")
	}
	var header map[string]json.RawMessage
	if b, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(b, &header) != nil {
		return errors.New("token header is not base64url JSON")
	}
	if _, ok := header["crit"]; ok {
		return errors.New("token header names critical extensions (crit), which are not supported")
	}
	var claims map[string]json.RawMessage
	if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err != nil || json.Unmarshal(b, &claims) != nil {
		return errors.New("token claims are not base64url JSON")
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		raw, ok := claims[name]
		if !ok {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return fmt.Errorf("token claim %s is not JSON", name)
		}
		if _, isNumber := v.(json.Number); !isNumber {
			return fmt.Errorf("token claim %s must be a number (NumericDate)", name)
		}
	}
	return nil
}

// Sign makes an HS256 token for userID valid for ttl: the local binary's dev token, tests
// and benchmarks use it.
func Sign(secret []byte, userID, email, tz string, ttl time.Duration) (string, error) {
	now := time.Now()
	c := Claims{Email: email, TimeZone: tz, RegisteredClaims: jwt.RegisteredClaims{
		Subject: userID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// NewSecret returns a random secret, for runs without JWT_SECRET.
func NewSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// Users records the users tokens name.
type Users interface {
	EnsureUser(ctx context.Context, u todo.User) error
}

type ctxKey struct{}
type claimsKey struct{}

// UserID returns the authenticated user of a request's context.
func UserID(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

// WithUserID returns ctx carrying an authenticated user (for in-process callers).
func WithUserID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// ClaimsOf returns the verified claims of the request's token (set by Guard.Require), or
// nil.
func ClaimsOf(ctx context.Context) *Claims {
	c, _ := ctx.Value(claimsKey{}).(*Claims)
	return c
}

// Guard authenticates requests to /api/{user_id}/...: 401 without a valid bearer token,
// 403 when {user_id} is someone else. It records the user (email, zone) once per distinct
// set of claims seen by this process, not on every request.
type Guard struct {
	Verifier Verifier
	Users    Users
	// OnError writes an error response; the runtime supplies its JSON error writer.
	OnError func(w http.ResponseWriter, r *http.Request, err error)
	// Tokens checks personal access tokens (see pat.go); nil accepts JWTs only.
	Tokens Tokens

	seen sync.Map // "sub\x00email\x00tz" -> struct{}
}

// Require wraps next so it only runs for the user the path names (any authenticated user
// when the path has no {user_id}, as for /mcp).
func (g *Guard) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := g.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="taskline"`)
			g.OnError(w, r, err)
			return
		}
		if want := r.PathValue("user_id"); want != "" && want != c.Subject {
			g.OnError(w, r, todo.Errorf(todo.Forbidden, "user_id", "the token is for another user"))
			return
		}
		if err := CheckScope(c, r.Method); err != nil {
			g.OnError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), c)))
	})
}

// Bounds of the claims Taskline stores: a user id is at most 255 characters (users.id),
// an email address at most 254 (RFC 5321).
const (
	MaxSubject = 255
	MaxEmail   = 254
)

// CheckClaims refuses a validly signed token whose claims cannot be stored: a subject or
// email with a NUL character or bytes that are not UTF-8, or longer than the bounds above.
// That is the token issuer's bad input, a 400 naming the claim, never a 500.
func CheckClaims(c *Claims) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"sub", c.Subject, MaxSubject}, {"email", c.Email, MaxEmail}, {"tz", c.TimeZone, 64}} {
		if err := todo.CheckText(f.name, f.v); err != nil {
			return todo.Errorf(todo.Invalid, "authorization", "the token's %s claim is not valid text", f.name)
		}
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return todo.Errorf(todo.Invalid, "authorization", "the token's %s claim is %d characters long; the maximum is %d", f.name, n, f.max)
		}
	}
	return nil
}

// Authenticate checks an Authorization header value and records the user.
func (g *Guard) Authenticate(ctx context.Context, header string) (*Claims, error) {
	// The scheme is case-insensitive (RFC 9110 11.1): "bearer" and "BEARER" are Bearer.
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, todo.Errorf(todo.Unauthorized, "authorization", "a bearer token is required")
	}
	if IsAccessToken(strings.TrimSpace(token)) {
		return g.authenticateToken(ctx, strings.TrimSpace(token))
	}
	c, err := g.Verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, todo.Errorf(todo.Unauthorized, "authorization", "the bearer token is not valid: %v", err)
	}
	if err := CheckClaims(c); err != nil {
		return nil, err
	}
	key := c.Subject + "\x00" + c.Email + "\x00" + c.TimeZone
	if _, done := g.seen.Load(key); !done {
		if err := g.Users.EnsureUser(ctx, todo.User{ID: c.Subject, Email: c.Email, TimeZone: c.TimeZone}); err != nil {
			return nil, err
		}
		g.seen.Store(key, struct{}{})
	}
	return c, nil
}
