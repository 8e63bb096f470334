package mcpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/todo"
)

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`

func post(t *testing.T, url, host, authorization, body string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"Host": host}
	if authorization != "" {
		h["Authorization"] = authorization
	}
	return postWith(t, url, h, body)
}

// postWith posts a JSON-RPC message as a Streamable HTTP client would, with extra headers
// ("Host" sets the request's host).
func postWith(t *testing.T, url string, headers map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			if v != "" {
				req.Host = v
			}
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestHTTPRequiresAValidBearerToken(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	expired, err := auth.Sign([]byte("test-secret"), "ann", "", "", -time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := auth.Sign([]byte("another-secret"), "ann", "", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for name, header := range map[string]string{
		"none": "", "not bearer": "Basic YW5uOng=", "garbage": "Bearer not-a-jwt",
		"expired": "Bearer " + expired, "wrong key": "Bearer " + forged,
	} {
		res, body := post(t, api.URL+mcpserver.Path, "", header, initialize)
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: status %d, WWW-Authenticate %q, want 401 with a Bearer challenge", name, res.StatusCode, res.Header.Get("WWW-Authenticate"))
			continue
		}
		var e struct{ Error todo.Error }
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != todo.Unauthorized || e.Error.Field != "authorization" {
			t.Errorf("%s: body %s, want the API's error envelope", name, body)
		}
	}

	// The SDK's client surfaces the refusal as a failed connection, not a session.
	c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	_, err = c.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint: api.URL + mcpserver.Path, DisableStandaloneSSE: true, MaxRetries: -1,
	}, nil)
	if err == nil {
		t.Error("a client without a token connected")
	}
}

// Behind Knative's queue-proxy or a Dapr sidecar, requests reach the container on
// loopback with the service's Host header; they must be served, not taken for DNS
// rebinding.
func TestHTTPServesProxiedHosts(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	res, body := post(t, api.URL+mcpserver.Path, "mcp.taskline.svc.cluster.local", "Bearer "+api.Token("ann"), initialize)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"serverInfo"`) {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want plain JSON answers (stateless, JSONResponse)", ct)
	}
	if res.Header.Get("Mcp-Session-Id") != "" {
		t.Error("a stateless server handed out a session id")
	}

	// A tool call needs no session: any replica can answer it.
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add_task","arguments":{"title":"from curl"}}}`
	res, body = post(t, api.URL+mcpserver.Path, "", "Bearer "+api.Token("ann"), call)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"from curl"`) {
		t.Fatalf("tools/call without a session: status %d: %s", res.StatusCode, body)
	}
	var page todo.TaskPage
	page, err := api.Store.ListTasks(context.Background(), "ann", todo.TaskQuery{Status: todo.StatusAll, Sort: todo.SortCreatedAt, Limit: 10})
	if err != nil || page.Count != 1 || page.Tasks[0].Title != "from curl" {
		t.Errorf("stored tasks %+v, %v", page.Tasks, err)
	}
}

// The user comes from the token: a user_id argument cannot choose another.
func TestHTTPUserComesFromTheToken(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	ann := overHTTP(t, api, "ann")
	overHTTP(t, api, "bob")
	var task todo.Task
	ann.ok("add_task", map[string]any{"title": "mine"}, &task)
	if task.UserID != "ann" {
		t.Fatalf("task belongs to %q", task.UserID)
	}
	if e := ann.fail("add_task", map[string]any{"title": "theirs", "user_id": "bob"}); e.Field != "user_id" {
		t.Errorf("user_id argument: %+v", e)
	}
	page, err := api.Store.ListTasks(context.Background(), "bob", todo.TaskQuery{Status: todo.StatusAll, Sort: todo.SortCreatedAt, Limit: 10})
	if err != nil || page.Count != 0 {
		t.Errorf("bob has %d tasks (%v)", page.Count, err)
	}
}
