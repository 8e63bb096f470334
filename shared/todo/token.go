package todo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"
)

// TokenScope is what a personal access token may do.
type TokenScope string

// The scopes. A read token may only read (GET, and the WebDAV reads PROPFIND and REPORT);
// a feed token only opens the user's calendar feed, /feeds/{token}.ics.
const (
	ScopeRead      TokenScope = "read"
	ScopeReadWrite TokenScope = "read-write"
	ScopeFeed      TokenScope = "feed"
)

// JSONSchema lists the scopes, for API documents.
func (TokenScope) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []any{string(ScopeRead), string(ScopeReadWrite), string(ScopeFeed)}}
}

// Secret prefixes: they tell a personal access token from a JWT at a glance (and to
// secret scanners), and a feed token from an API token.
const (
	PATPrefix  = "tlp_"
	FeedPrefix = "tlf_"
)

// MaxTokenName bounds a token's name.
const MaxTokenName = 100

// Token is a personal access token as its owner sees it: never its secret, which is shown
// once, in the answer that creates it (TokenCreated).
type Token struct {
	ID    int64      `json:"id"`
	Name  string     `json:"name"`
	Scope TokenScope `json:"scope"`
	// Hint is the secret's prefix and last four characters, to tell tokens apart.
	Hint       string     `json:"hint"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// TokenCreated is the answer to creating a token: the only time the secret is shown.
type TokenCreated struct {
	Token
	Secret string `json:"token"`
	// FeedURL is the calendar subscription address of a feed token.
	FeedURL string `json:"feed_url,omitempty"`
}

// TokenInput is the body of POST /tokens.
type TokenInput struct {
	Name      string           `json:"name" jsonschema:"1 to 100 characters, to recognise the token by (e.g. 'phone', 'backup script')."`
	Scope     Optional[string] `json:"scope" jsonschema:"read, read-write (the default) or feed (only opens the calendar feed /feeds/{token}.ics)."`
	ExpiresAt Optional[string] `json:"expires_at" jsonschema:"When the token stops working: an RFC 3339 time or a day (2027-06-30, through its end in the user's zone); absent or null: never."`
}

// TokenSpec is validated token input.
type TokenSpec struct {
	Name      string
	Scope     TokenScope
	ExpiresAt *EndDate
}

// Spec validates the input; whether the expiry lies in the future is checked by the store
// in the user's zone.
func (in TokenInput) Spec() (TokenSpec, error) {
	s := TokenSpec{Name: strings.TrimSpace(in.Name), Scope: ScopeReadWrite}
	if s.Name == "" {
		return s, Errorf(Invalid, "name", "name is required")
	}
	if n := utf8.RuneCountInString(s.Name); n > MaxTokenName {
		return s, Errorf(Invalid, "name", "name is %d characters long; the maximum is %d", n, MaxTokenName)
	}
	if in.Scope.Set && !in.Scope.Null {
		switch sc := TokenScope(strings.ToLower(in.Scope.Value)); sc {
		case ScopeRead, ScopeReadWrite, ScopeFeed:
			s.Scope = sc
		default:
			return s, Errorf(Invalid, "scope", "scope must be read, read-write or feed, not %q", in.Scope.Value)
		}
	}
	if in.ExpiresAt.Set && !in.ExpiresAt.Null && in.ExpiresAt.Value != "" {
		e, err := parseEndDate(in.ExpiresAt.Value)
		if err != nil {
			return s, Errorf(Invalid, "expires_at", "expires_at must be a date (2027-06-30) or %s", timeForms)
		}
		s.ExpiresAt = &e
	}
	return s, nil
}

// NewTokenSecret returns a new secret for scope: its prefix and 32 random bytes
// (256 bits), base64url.
func NewTokenSecret(scope TokenScope) string {
	b := make([]byte, 32)
	rand.Read(b)
	p := PATPrefix
	if scope == ScopeFeed {
		p = FeedPrefix
	}
	return p + base64.RawURLEncoding.EncodeToString(b)
}

// HashTokenSecret is what the store keeps of a secret, and looks it up by. SHA-256 is
// enough: the secret is 256 random bits, so there is nothing to guess a dictionary for, and
// unlike a slow password hash it lets the lookup be one index probe on every request.
func HashTokenSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// TokenHint is the part of a secret that may be shown again.
func TokenHint(secret string) string {
	if len(secret) < 12 {
		return ""
	}
	return secret[:4] + "…" + secret[len(secret)-4:]
}

// TokenAuth is what authenticating with a token tells: whose it is and what it may do.
type TokenAuth struct {
	TokenID int64
	UserID  string
	Scope   TokenScope
}
