package runtime_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

// things is a function with a guarded GET and POST on one path and a public GET.
func things(d *runtime.Deps) []runtime.Route {
	ok := d.Errors.JSON(http.StatusOK, func(*http.Request, string) (any, error) { return map[string]bool{"ok": true}, nil })
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/things", Handler: ok},
		{Pattern: "POST /api/{user_id}/things", Handler: ok},
		{Pattern: "GET /public", Handler: ok, Public: true},
	}
}

const app = "http://localhost:3000"

func TestCORSAndJSONErrors(t *testing.T) {
	t.Parallel()
	api := apitest.NewConfig(t, runtime.Config{Name: "test", CORSOrigins: []string{app}}, things)
	origin := func(o string, more ...string) http.Header {
		h := http.Header{"Origin": {o}}
		for i := 0; i+1 < len(more); i += 2 {
			h.Set(more[i], more[i+1])
		}
		return h
	}

	t.Run("preflight from an allowed origin, without a token", func(t *testing.T) {
		t.Parallel()
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			res := api.DoHeader("", "OPTIONS", "/api/ann/things", nil,
				origin(app, "Access-Control-Request-Method", m, "Access-Control-Request-Headers", "authorization,content-type"))
			res.Expect(t, http.StatusNoContent)
			h := res.Header
			if h.Get("Access-Control-Allow-Origin") != app {
				t.Errorf("%s: Allow-Origin %q", m, h.Get("Access-Control-Allow-Origin"))
			}
			if !strings.Contains(h.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("%s: Allow-Methods %q", m, h.Get("Access-Control-Allow-Methods"))
			}
			for _, want := range []string{"Authorization", "Content-Type"} {
				if !strings.Contains(h.Get("Access-Control-Allow-Headers"), want) {
					t.Errorf("Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), want)
				}
			}
		}
	})
	t.Run("preflight to a path that does not exist is still answered", func(t *testing.T) {
		t.Parallel()
		api.DoHeader("", "OPTIONS", "/mcp", nil, origin(app, "Access-Control-Request-Method", "POST")).Expect(t, http.StatusNoContent)
	})
	t.Run("preflight from another origin is refused", func(t *testing.T) {
		t.Parallel()
		res := api.DoHeader("", "OPTIONS", "/api/ann/things", nil, origin("http://evil.example", "Access-Control-Request-Method", "GET"))
		res.ExpectError(t, http.StatusForbidden, "origin")
		if h := res.Header.Get("Access-Control-Allow-Origin"); h != "" {
			t.Errorf("Allow-Origin %q for a refused origin", h)
		}
	})
	t.Run("a 401 is readable by the allowed origin", func(t *testing.T) {
		t.Parallel()
		res := api.DoHeader("", "GET", "/api/ann/things", nil, origin(app, "Authorization", "Bearer nonsense"))
		res.ExpectError(t, http.StatusUnauthorized, "authorization")
		if res.Header.Get("Access-Control-Allow-Origin") != app || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("401 headers %v", res.Header)
		}
		if !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Errorf("Expose-Headers %q", res.Header.Get("Access-Control-Expose-Headers"))
		}
	})
	t.Run("success for the allowed origin, no CORS headers for another", func(t *testing.T) {
		t.Parallel()
		res := api.DoHeader("ann", "GET", "/api/ann/things", nil, origin(app)).Expect(t, http.StatusOK)
		if res.Header.Get("Access-Control-Allow-Origin") != app {
			t.Errorf("Allow-Origin %q", res.Header.Get("Access-Control-Allow-Origin"))
		}
		res = api.DoHeader("ann", "GET", "/api/ann/things", nil, origin("http://localhost:4000")).Expect(t, http.StatusOK)
		if h := res.Header.Get("Access-Control-Allow-Origin"); h != "" {
			t.Errorf("Allow-Origin %q for an origin not configured", h)
		}
	})
	t.Run("405 is JSON with the path's methods", func(t *testing.T) {
		t.Parallel()
		for _, m := range []string{"PUT", "DELETE", "PATCH"} {
			res := api.Do("ann", m, "/api/ann/things", nil)
			e := res.Error(t)
			if res.Status != http.StatusMethodNotAllowed || e.Code != todo.NotAllowed || !strings.Contains(e.Message, m) {
				t.Errorf("%s: %d %+v", m, res.Status, e)
			}
			if got := res.Header.Get("Allow"); got != "GET, HEAD, POST" {
				t.Errorf("%s: Allow %q", m, got)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", m, ct)
			}
		}
	})
	t.Run("404 for an unknown path is JSON", func(t *testing.T) {
		t.Parallel()
		res := api.Do("ann", "GET", "/api/ann/nothing-here", nil)
		res.ExpectError(t, http.StatusNotFound, "path")
	})
	t.Run("plain OPTIONS lists the methods", func(t *testing.T) {
		t.Parallel()
		res := api.Do("", "OPTIONS", "/api/ann/things", nil).Expect(t, http.StatusNoContent)
		if got := res.Header.Get("Allow"); got != "GET, HEAD, POST, OPTIONS" {
			t.Errorf("Allow %q", got)
		}
	})
}

func TestCORSAnyOrigin(t *testing.T) {
	t.Parallel()
	api := apitest.NewConfig(t, runtime.Config{Name: "test", CORSOrigins: runtime.ParseOrigins(" * ")}, things)
	res := api.DoHeader("", "OPTIONS", "/public", nil, http.Header{"Origin": {"https://any.example"}, "Access-Control-Request-Method": {"GET"}})
	res.Expect(t, http.StatusNoContent)
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Allow-Origin %q, want *", got)
	}
}

func TestCORSNoneByDefault(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, things)
	res := api.DoHeader("", "OPTIONS", "/public", nil, http.Header{"Origin": {app}, "Access-Control-Request-Method": {"GET"}})
	res.ExpectError(t, http.StatusForbidden, "origin")
}

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	got := runtime.ParseOrigins(" http://localhost:3000/ , ,https://app.example.com")
	if strings.Join(got, "|") != "http://localhost:3000|https://app.example.com" {
		t.Errorf("ParseOrigins = %q", got)
	}
	if runtime.ParseOrigins("") != nil {
		t.Error("empty CORS_ORIGINS allows something")
	}
}
