// Package apitest runs functions' HTTP routes against a real, fresh Postgres database for
// tests: requests go through the same mux, guard and error mapping as in production.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/todo"
)

// API is a test server hosting some functions.
type API struct {
	URL    string
	Store  *postgres.Store
	Deps   *runtime.Deps
	secret []byte
	t      testing.TB
}

// New starts a server with the routes of fns on a fresh database.
func New(t testing.TB, fns ...runtime.HTTPFunction) *API {
	t.Helper()
	return NewConfig(t, runtime.Config{Name: "test"}, fns...)
}

// NewNamed is New with the functions mounted under name: their events carry the source
// /functions/<name>, as when the function is deployed.
func NewNamed(t testing.TB, name string, fns ...runtime.HTTPFunction) *API {
	t.Helper()
	return NewConfig(t, runtime.Config{Name: name}, fns...)
}

// NewConfig is New with a configuration (CORS origins, for example); the functions are
// mounted under cfg.Name.
func NewConfig(t testing.TB, cfg runtime.Config, fns ...runtime.HTTPFunction) *API {
	t.Helper()
	store := pgtest.Store(t)
	secret := []byte("test-secret")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := runtime.NewDeps(cfg, log, store, auth.HS256(secret, auth.Options{}))
	mux := http.NewServeMux()
	server.Health(mux, store.Ping)
	for _, fn := range fns {
		runtime.Mount(mux, d, cfg.Name, fn(d))
	}
	srv := httptest.NewServer(runtime.Handler(d, mux, nil))
	t.Cleanup(srv.Close)
	return &API{URL: srv.URL, Store: store, Deps: d, secret: secret, t: t}
}

// Token returns a valid bearer token for user.
func (a *API) Token(user string) string {
	tok, err := auth.Sign(a.secret, user, user+"@example.com", "", time.Hour)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// Response is an answer to a request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request as user ("" sends no token). body is marshalled to JSON unless it is a
// string, which is sent as is.
func (a *API) Do(user, method, path string, body any) Response {
	a.t.Helper()
	return a.DoHeader(user, method, path, body, nil)
}

// DoHeader is Do with extra request headers (Origin, for example).
func (a *API) DoHeader(user, method, path string, body any, header http.Header) Response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if user != "" {
		if err := a.Store.EnsureUser(context.Background(), todo.User{ID: user}); err != nil {
			a.t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+a.Token(user))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Decode unmarshals the body into v, failing the test when it is not JSON.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %s", r.Status, err, r.Body)
	}
}

// Error returns the error object of an error answer. It fails the test unless the answer
// also carries the message as a top-level detail (what FastAPI clients read).
func (r Response) Error(t testing.TB) todo.Error {
	t.Helper()
	var e struct {
		Error  todo.Error `json:"error"`
		Detail *string    `json:"detail"`
	}
	r.Decode(t, &e)
	if e.Detail == nil || *e.Detail != e.Error.Message {
		t.Errorf("error answer's detail %v is not its message %q: %s", e.Detail, e.Error.Message, r.Body)
	}
	return e.Error
}

// Expect fails the test unless the answer has the status.
func (r Response) Expect(t testing.TB, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// ExpectError fails the test unless the answer is an error with the status naming field.
func (r Response) ExpectError(t testing.TB, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if e := r.Error(t); e.Field != field || e.Message == "" {
		t.Fatalf("error names field %q (message %q), want %q", e.Field, e.Message, field)
	}
}

// Event is an outbox row as a test sees it.
type Event struct {
	Type    string
	Topic   string
	Subject string
	UserID  string
	Source  string
	Data    map[string]any
}

// Outbox returns every event written so far, oldest first.
func (a *API) Outbox() []Event {
	a.t.Helper()
	rows, err := a.Store.Pool().Query(context.Background(), `SELECT topic, event FROM outbox ORDER BY id`)
	if err != nil {
		a.t.Fatal(err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var topic string
		var raw []byte
		if err := rows.Scan(&topic, &raw); err != nil {
			a.t.Fatal(err)
		}
		var ce struct {
			Type    string         `json:"type"`
			Subject string         `json:"subject"`
			Source  string         `json:"source"`
			UserID  string         `json:"userid"`
			Data    map[string]any `json:"data"`
		}
		if err := json.Unmarshal(raw, &ce); err != nil {
			a.t.Fatal(err)
		}
		out = append(out, Event{Type: ce.Type, Topic: topic, Subject: ce.Subject, UserID: ce.UserID, Source: ce.Source, Data: ce.Data})
	}
	return out
}

// OutboxTypes lists the types of the events written since mark (a previous len(Outbox())).
func (a *API) OutboxTypes(mark int) []string {
	var types []string
	for _, e := range a.Outbox()[mark:] {
		types = append(types, e.Type)
	}
	return types
}

// TryDo is Do for fuzz targets: a raw body, and a request the client cannot even build
// (a path that is not a URL) or send answers Status 0 instead of failing the test.
func (a *API) TryDo(user, method, path, body string) Response {
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		return Response{}
	}
	if user != "" {
		if err := a.Store.EnsureUser(context.Background(), todo.User{ID: user}); err != nil {
			return Response{}
		}
		req.Header.Set("Authorization", "Bearer "+a.Token(user))
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Response{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}
