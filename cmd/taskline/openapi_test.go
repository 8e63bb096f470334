package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/openapi/reference"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/web"
)

// committedDoc is the copy of the document the web function serves and the web app's
// TypeScript types are generated from (`make openapi` writes it).
var committedDoc = filepath.Join("..", "..", "web", "public", "openapi.json")

// served is the binary's whole HTTP surface on a fresh database.
type served struct {
	url    string
	deps   *runtime.Deps
	secret []byte
}

func serveAll(t *testing.T) *served {
	t.Helper()
	secret := []byte("openapi-test-secret")
	d := runtime.NewDeps(runtime.Config{Name: "taskline", CORSOrigins: localOrigins(3000)}, slog.New(slog.DiscardHandler),
		pgtest.Store(t), auth.HS256(secret, auth.Options{}))
	srv := httptest.NewServer(newHandler(d, web.Config{}, nil))
	t.Cleanup(srv.Close)
	return &served{url: srv.URL, deps: d, secret: secret}
}

func (s *served) token(t *testing.T, user, tz string) string {
	t.Helper()
	tok, err := auth.Sign(s.secret, user, user+"@example.com", tz, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The document is valid OpenAPI 3.1 to a real validator, describes every API route the
// binary mounts, and the committed copy is current.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	s := serveAll(t)
	res, err := http.Get(s.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	live, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if missing := openapi.Undocumented(runtime.Endpoints(s.deps)); len(missing) > 0 {
		t.Errorf("mounted routes without a Doc (add one next to the pattern): %v", missing)
	}
	v := newValidator(t, live)
	if ok, errs := v.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("document: %s", e.Error())
		}
	}
	committed, err := os.ReadFile(committedDoc)
	if err != nil || !bytes.Equal(committed, live) {
		t.Errorf("web/public/openapi.json is not the document the code describes: run `make openapi` (%v)", err)
	}
	want, err := reference.HTML(live)
	if err != nil {
		t.Fatal(err)
	}
	if committed, err := os.ReadFile(filepath.Join(filepath.Dir(committedDoc), "docs.html")); err != nil || !bytes.Equal(committed, want) {
		t.Errorf("web/public/docs.html is not the reference of the document: run `make openapi` (%v)", err)
	}
	page, err := http.Get(s.url + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(html), "/api/{user_id}/tasks/{id}/tags/{tag_id}") || strings.Contains(string(html), "<script") {
		t.Errorf("GET /docs: %d %s, %d bytes", page.StatusCode, page.Header.Get("Content-Type"), len(html))
	}
}

func newValidator(t *testing.T, doc []byte) validator.Validator {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("building the validator: %v", errs)
	}
	return v
}

// Live answers, successes and errors alike, are what the document says.
func TestLiveResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	s := serveAll(t)
	doc, err := runtime.Document(s.deps)
	if err != nil {
		t.Fatal(err)
	}
	v := newValidator(t, doc)
	ann, bob := s.token(t, "ann", "Europe/Paris"), s.token(t, "bob", "")
	statuses := map[int]bool{}

	call := func(token, method, path string, body any, want int) []byte {
		t.Helper()
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		req := func() *http.Request {
			r, err := http.NewRequest(method, s.url+path, bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if body != nil {
				r.Header.Set("Content-Type", "application/json")
			}
			if token != "" {
				r.Header.Set("Authorization", "Bearer "+token)
			}
			return r
		}
		res, err := http.DefaultClient.Do(req())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, got)
		}
		statuses[want] = true
		res.Body = io.NopCloser(bytes.NewReader(got))
		var ok bool
		var errs []*liberrors.ValidationError
		if want == http.StatusBadRequest || want == http.StatusUnauthorized {
			// The request breaks the document on purpose; its answer must still match.
			ok, errs = v.ValidateHttpResponse(req(), res)
		} else {
			ok, errs = v.ValidateHttpRequestResponse(req(), res)
		}
		if !ok {
			for _, e := range errs {
				t.Errorf("%s %s (%d): %s: %s", method, path, want, e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					t.Errorf("  %s at %s", se.Reason, se.FieldPath)
				}
			}
		}
		return got
	}
	id := func(b []byte) int64 {
		var x struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(b, &x)
		return x.ID
	}

	const base = "/api/ann"
	task := id(call(ann, "POST", base+"/tasks", map[string]any{"title": "Dentist", "due_date": "2030-12-03T09:00",
		"priority": nil, "tags": []string{"santé", "work"}, "recurrence_pattern": "weekly"}, 201))
	call(ann, "POST", base+"/tasks", map[string]any{"title": ""}, 400)
	call(ann, "POST", base+"/tasks", `{"title": "x"`, 400)
	call(ann, "POST", base+"/tasks", map[string]any{"title": "x", "due_date": "2030-12-03T09:00:00Z",
		"recurrence_pattern": "daily", "recurrence_end_date": "2030-12-01"}, 422)
	call(ann, "POST", base+"/tasks", map[string]any{"title": "Second", "tag_ids": []int64{}}, 201)
	call(ann, "GET", base+"/tasks?is_completed=false&sort_by=due_date&tags=work&tags=sant%C3%A9", nil, 200)
	call(ann, "GET", base+"/tasks?limit=1&due_after=2030-01-01T00:00", nil, 200)
	call(ann, "GET", base+"/tasks?status=pending&status=completed", nil, 400)
	call(ann, "GET", fmt.Sprintf("%s/tasks/%d", base, task), nil, 200)
	call(ann, "GET", base+"/tasks/999999", nil, 404)
	call(ann, "PATCH", fmt.Sprintf("%s/tasks/%d", base, task), map[string]any{"description": nil, "due_date": "2030-12-04T10:30:00"}, 200)
	call(ann, "PUT", fmt.Sprintf("%s/tasks/%d", base, task), map[string]any{"title": "Dentist (moved)"}, 200)
	call(ann, "PATCH", fmt.Sprintf("%s/tasks/%d", base, task), map[string]any{"priority": "urgent"}, 400)
	tag := id(call(ann, "POST", base+"/tags", map[string]any{"name": "日本", "color": "#aa00ff"}, 201))
	call(ann, "POST", base+"/tags", map[string]any{"name": "WORK"}, 409)
	call(ann, "GET", base+"/tags?prefix=w", nil, 200)
	call(ann, "POST", fmt.Sprintf("%s/tasks/%d/tags", base, task), map[string]any{"tag_id": tag}, 200)
	call(ann, "DELETE", fmt.Sprintf("%s/tasks/%d/tags/%d", base, task, tag), nil, 204)
	call(ann, "DELETE", fmt.Sprintf("%s/tasks/%d/tags", base, task), map[string]any{"tag_ids": []int64{tag}}, 200)
	call(ann, "POST", fmt.Sprintf("%s/tasks/%d/tags", base, task), map[string]any{"tag_ids": []int64{424242}}, 422)
	rem := id(call(ann, "POST", base+"/reminders", map[string]any{"task_id": task, "before_due": "1d"}, 201))
	call(ann, "POST", base+"/reminders", map[string]any{"task_id": task, "remind_at": "2001-01-01T09:00"}, 422)
	call(ann, "GET", base+"/reminders?status=all", nil, 200)
	call(ann, "DELETE", fmt.Sprintf("%s/reminders/%d", base, rem), nil, 204)
	call(ann, "PATCH", fmt.Sprintf("%s/tasks/%d/complete", base, task), nil, 200)
	call(ann, "POST", fmt.Sprintf("%s/tasks/%d/complete", base, task), nil, 200)
	call(ann, "DELETE", fmt.Sprintf("%s/tags/%d", base, tag), nil, 204)
	quick := id(call(ann, "POST", base+"/tasks?parse=true", map[string]any{"text": "Pay rent every month on the 1st #home p1"}, 201))
	call(ann, "POST", base+"/tasks/parse", map[string]any{"text": "call mom tomorrow at 5pm"}, 200)
	call(ann, "GET", fmt.Sprintf("%s/tasks/%d", base, quick), nil, 200)
	call(ann, "GET", base+"/profile", nil, 200)
	call(ann, "PATCH", base+"/profile", map[string]any{"tz": "America/New_York"}, 200)
	call(ann, "PATCH", base+"/profile", map[string]any{"tz": "Mars/Olympus"}, 400)
	var reply struct {
		ConversationID int64 `json:"conversation_id"`
	}
	json.Unmarshal(call(ann, "POST", base+"/chat", map[string]any{"message": "add buy milk tomorrow"}, 200), &reply)
	call(ann, "POST", base+"/chat", map[string]any{"message": "show my tasks", "conversation_id": reply.ConversationID}, 200)
	call(ann, "POST", base+"/chat", map[string]any{"message": ""}, 400)
	call(ann, "GET", base+"/conversations", nil, 200)
	call(ann, "GET", fmt.Sprintf("%s/conversations/%d/messages", base, reply.ConversationID), nil, 200)
	call(bob, "GET", fmt.Sprintf("/api/bob/conversations/%d/messages", reply.ConversationID), nil, 404)
	call(ann, "DELETE", fmt.Sprintf("%s/conversations/%d", base, reply.ConversationID), nil, 204)
	call("", "GET", base+"/tasks", nil, 401)
	call(bob, "GET", base+"/tasks", nil, 403)
	call(bob, "DELETE", fmt.Sprintf("/api/bob/tasks/%d", task), nil, 404)
	call(ann, "DELETE", fmt.Sprintf("%s/tasks/%d", base, task), nil, 204)

	// 405 belongs to no operation: its body is held against the error schema itself.
	req, _ := http.NewRequest("PUT", s.url+base+"/tags", nil)
	req.Header.Set("Authorization", "Bearer "+ann)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD, POST" {
		t.Fatalf("PUT /tags: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	statuses[405] = true
	model, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	errSchema := m.Model.Components.Schemas.GetOrZero("ErrorBody").Schema()
	if ok, errs := schema_validation.NewSchemaValidator().ValidateSchemaBytes(errSchema, body); !ok {
		t.Errorf("405 body %s: %v", body, errs[0].Reason)
	}
	for _, code := range []int{200, 201, 204, 400, 401, 403, 404, 405, 409, 422} {
		if !statuses[code] {
			t.Errorf("no live %d was checked", code)
		}
	}
}
