package runtime_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

// echo decodes a body with a nested list of strings and answers it.
func echo(d *runtime.Deps) []runtime.Route {
	type body struct {
		Name  string                `json:"name"`
		Notes []string              `json:"notes"`
		Title todo.Optional[string] `json:"title"`
	}
	return []runtime.Route{{Pattern: "POST /api/{user_id}/echo", Handler: d.Errors.JSON(http.StatusOK, func(r *http.Request, _ string) (any, error) {
		return runtime.Body[body](r)
	})}, {Pattern: "GET /api/{user_id}/echo", Handler: d.Errors.JSON(http.StatusOK, func(r *http.Request, _ string) (any, error) {
		return map[string]string{"q": r.URL.Query().Get("q")}, nil
	})}}
}

// Hostile input gets a 400 naming the field, never a 500 or a silently dropped filter.
func TestHostileInputIs400(t *testing.T) {
	t.Parallel()
	api := apitest.New(t, echo)
	for _, tc := range []struct{ method, path, body, field string }{
		{"POST", "/api/ann/echo", `{"name":"a\u0000b"}`, "name"},
		{"POST", "/api/ann/echo", `{"notes":["ok","x\u0000"]}`, "notes"},
		{"POST", "/api/ann/echo", `{"title":"\u0000"}`, "title"},
		{"GET", "/api/ann/echo?q=%zz", "", "query"},
		{"GET", "/api/ann/echo?q=100%", "", "query"},
		{"GET", "/api/ann/echo?q=a%00b", "", "q"},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		api.Do("ann", tc.method, tc.path, body).ExpectError(t, http.StatusBadRequest, tc.field)
	}
	api.Do("ann", "GET", "/api/ann/echo?q=caf%C3%A9", nil).Expect(t, http.StatusOK)
}

// With the database down, the API answers 503 with Retry-After, quickly, not 500.
func TestDatabaseDownIs503(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now: a stopped Postgres
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:"+strconv.Itoa(port)+"/x?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	secret := []byte("s")
	d := runtime.NewDeps(runtime.Config{Name: "test"}, slog.New(slog.NewTextHandler(io.Discard, nil)), postgres.New(pool), auth.HS256(secret, auth.Options{}))
	mux := http.NewServeMux()
	runtime.Mount(mux, d, "test", []runtime.Route{{Pattern: "GET /api/{user_id}/profile", Handler: d.Errors.JSON(http.StatusOK, func(r *http.Request, u string) (any, error) {
		return d.Store.Profile(r.Context(), u)
	})}})
	srv := httptest.NewServer(runtime.Handler(d, mux, nil))
	defer srv.Close()
	tok, _ := auth.Sign(secret, "ann", "", "", time.Hour)
	req, _ := http.NewRequest("GET", srv.URL+"/api/ann/profile", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "unavailable") {
		t.Fatalf("database down: %d Retry-After %q %s", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the 503 took %v", took)
	}
}
