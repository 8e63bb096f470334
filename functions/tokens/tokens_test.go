package tokens_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/taskline/taskline/functions/tokens"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// probe is any API route: what a script does with a token.
func probe(d *runtime.Deps) []runtime.Route {
	ew := d.Errors
	h := ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) { return map[string]string{"user": user}, nil })
	return []runtime.Route{{Pattern: "GET /api/{user_id}/probe", Handler: h}, {Pattern: "POST /api/{user_id}/probe", Handler: h}}
}

type created struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	Hint       string     `json:"hint"`
	Token      string     `json:"token"`
	FeedURL    string     `json:"feed_url"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func withToken(api *apitest.API, secret, method, path string) int {
	req, _ := http.NewRequest(method, api.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestTokens(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, tokens.Routes, probe)
	var rw, ro created
	api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "backup script"}).Expect(t, 201).Decode(t, &rw)
	if rw.Scope != "read-write" || len(rw.Token) < 40 || rw.Token[:4] != "tlp_" || rw.ExpiresAt != nil || rw.LastUsedAt != nil {
		t.Fatalf("created %+v", rw)
	}
	api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "phone", "scope": "read", "expires_at": "2999-01-01"}).Expect(t, 201).Decode(t, &ro)
	if ro.Scope != "read" || ro.ExpiresAt == nil {
		t.Fatalf("created %+v", ro)
	}

	// The secret is shown once: the list has hints, never secrets.
	res := api.Do("ann", "GET", "/api/ann/tokens", nil).Expect(t, 200)
	var list struct {
		Tokens []map[string]any `json:"tokens"`
		Count  int              `json:"count"`
	}
	res.Decode(t, &list)
	if list.Count != 2 || list.Tokens[0]["name"] != "phone" || list.Tokens[0]["token"] != nil || list.Tokens[0]["hint"] != ro.Hint {
		t.Fatalf("list %s", res.Body)
	}

	// A token is a bearer token for its user only; a read token reads but may not write.
	for _, c := range []struct {
		secret, method, path string
		want                 int
	}{
		{rw.Token, "GET", "/api/ann/probe", 200},
		{rw.Token, "POST", "/api/ann/probe", 200},
		{ro.Token, "GET", "/api/ann/probe", 200},
		{ro.Token, "POST", "/api/ann/probe", 403},
		{rw.Token, "GET", "/api/bob/probe", 403},
		{rw.Token + "x", "GET", "/api/ann/probe", 401},
		{"tlp_nonsense", "GET", "/api/ann/probe", 401},
		// Tokens cannot manage tokens.
		{rw.Token, "GET", "/api/ann/tokens", 403},
		{rw.Token, "POST", "/api/ann/tokens", 403},
	} {
		if got := withToken(api, c.secret, c.method, c.path); got != c.want {
			t.Errorf("%s %s with %s: %d, want %d", c.method, c.path, c.secret[:8], got, c.want)
		}
	}

	// The last use is recorded, at most once a minute.
	var used1, used2 *time.Time
	api.Store.Pool().QueryRow(t.Context(), `SELECT last_used_at FROM access_tokens WHERE id = $1`, rw.ID).Scan(&used1)
	if used1 == nil {
		t.Fatal("last use not recorded")
	}
	withToken(api, rw.Token, "GET", "/api/ann/probe")
	api.Store.Pool().QueryRow(t.Context(), `SELECT last_used_at FROM access_tokens WHERE id = $1`, rw.ID).Scan(&used2)
	if !used1.Equal(*used2) {
		t.Fatalf("last use rewritten within a minute: %v then %v", used1, used2)
	}
	api.Store.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	withToken(api, rw.Token, "GET", "/api/ann/probe")
	api.Store.Pool().QueryRow(t.Context(), `SELECT last_used_at FROM access_tokens WHERE id = $1`, rw.ID).Scan(&used2)
	if !used2.After(*used1) {
		t.Fatalf("last use not updated after a minute: %v then %v", used1, used2)
	}
	api.Store.Now = time.Now

	// Revoked: refused at the next request. Another user's token id is not found.
	api.Do("bob", "DELETE", "/api/bob/tokens/"+itoa(rw.ID), nil).ExpectError(t, 404, "id")
	api.Do("ann", "DELETE", "/api/ann/tokens/"+itoa(rw.ID), nil).Expect(t, 204)
	if got := withToken(api, rw.Token, "GET", "/api/ann/probe"); got != 401 {
		t.Fatalf("revoked token answered %d", got)
	}
	api.Do("ann", "DELETE", "/api/ann/tokens/"+itoa(rw.ID), nil).ExpectError(t, 404, "id")

	// Expired: refused.
	var soon created
	api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "soon", "expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)}).Expect(t, 201).Decode(t, &soon)
	api.Store.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if got := withToken(api, soon.Token, "GET", "/api/ann/probe"); got != 401 {
		t.Fatalf("expired token answered %d", got)
	}
	api.Store.Now = time.Now

	// A feed token opens only the feed, not the API.
	var feed created
	api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "google calendar", "scope": "feed"}).Expect(t, 201).Decode(t, &feed)
	if feed.Token[:4] != todo.FeedPrefix || feed.FeedURL == "" {
		t.Fatalf("feed token %+v", feed)
	}
	if got := withToken(api, feed.Token, "GET", "/api/ann/probe"); got != 401 {
		t.Fatalf("feed token on the API answered %d", got)
	}

	// Bad input names the field.
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{}, "name"},
		{map[string]any{"name": "x", "scope": "admin"}, "scope"},
		{map[string]any{"name": "x", "expires_at": "soon"}, "expires_at"},
		{map[string]any{"name": "x", "extra": 1}, "extra"},
	} {
		api.Do("ann", "POST", "/api/ann/tokens", c.body).ExpectError(t, 400, c.field)
	}
	api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "x", "expires_at": "2001-01-01"}).ExpectError(t, 422, "expires_at")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
