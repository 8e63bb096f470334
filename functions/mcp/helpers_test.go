package mcpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// client is an MCP client session as a user of the tools sees it, checking every
// structured result against the output schema the server advertised.
type client struct {
	t       testing.TB
	session *mcp.ClientSession
	outputs map[string]*jsonschema.Resolved
}

func connect(t testing.TB, transport mcp.Transport) *client {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "taskline-test", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), transport, nil)
	if err != nil {
		t.Fatalf("connecting the MCP client: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	cl := &client{t: t, session: cs, outputs: map[string]*jsonschema.Resolved{}}
	for _, tool := range cl.tools() {
		s := remarshal[*jsonschema.Schema](t, tool.OutputSchema)
		r, err := s.Resolve(nil)
		if err != nil {
			t.Fatalf("resolving %s's output schema: %v", tool.Name, err)
		}
		cl.outputs[tool.Name] = r
	}
	return cl
}

// inMemory connects a client to a server acting for user, over the SDK's in-memory
// transport.
func inMemory(t testing.TB, store mcpserver.Store, user string) *client {
	t.Helper()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := mcpserver.NewServer(store, mcpserver.FixedUser(user), quiet).Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatalf("connecting the MCP server: %v", err)
	}
	t.Cleanup(func() { ss.Close() })
	return connect(t, ct)
}

// bearer adds a token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// overHTTP connects a client to api's /mcp with user's bearer token, over Streamable HTTP.
func overHTTP(t testing.TB, api *apitest.API, user string) *client {
	t.Helper()
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: user}); err != nil {
		t.Fatal(err)
	}
	return connect(t, &mcp.StreamableClientTransport{
		Endpoint: api.URL + mcpserver.Path,
		// Defaults otherwise, as a client that knows nothing of this server would connect
		// (it asks for a standalone SSE stream, which a stateless server declines).
		HTTPClient: &http.Client{Transport: bearer{api.Token(user), http.DefaultTransport}},
	})
}

func (c *client) tools() []*mcp.Tool {
	c.t.Helper()
	res, err := c.session.ListTools(context.Background(), nil)
	if err != nil {
		c.t.Fatalf("listing tools: %v", err)
	}
	return res.Tools
}

// call calls a tool and returns its raw result; a protocol error fails the test.
func (c *client) call(name string, args any) *mcp.CallToolResult {
	c.t.Helper()
	res, err := c.session.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		c.t.Fatalf("calling %s: protocol error %v", name, err)
	}
	return res
}

// ok calls a tool that must succeed, checks its result against the tool's output schema and
// decodes it into out.
func (c *client) ok(name string, args any, out any) string {
	c.t.Helper()
	res := c.call(name, args)
	text := textOf(c.t, res)
	if res.IsError {
		c.t.Fatalf("%s(%v) failed: %s", name, args, text)
	}
	var generic any
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(b, &generic); err != nil {
		c.t.Fatal(err)
	}
	if err := c.outputs[name].Validate(generic); err != nil {
		c.t.Errorf("%s's result does not match its output schema: %v\n%s", name, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("decoding %s's result: %v\n%s", name, err, b)
		}
	}
	return text
}

// fail calls a tool that must fail with a tool error and returns the error.
func (c *client) fail(name string, args any) todo.Error {
	c.t.Helper()
	res := c.call(name, args)
	text := textOf(c.t, res)
	if !res.IsError {
		c.t.Fatalf("%s(%v) succeeded, want a tool error: %s", name, args, text)
	}
	var e mcpserver.ErrorResult
	if err := json.Unmarshal([]byte(text), &e); err != nil || e.Error == nil {
		c.t.Fatalf("%s's error is not the error envelope: %v: %s", name, err, text)
	}
	return *e.Error
}

func textOf(t testing.TB, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) != 1 {
		t.Fatalf("result has %d content items, want 1 text", len(res.Content))
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("result content is %T, want text", res.Content[0])
	}
	return tc.Text
}

func remarshal[T any](t testing.TB, v any) T {
	t.Helper()
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("remarshalling %s: %v", b, err)
	}
	return out
}

// newAPI serves /mcp as the mcp function does, on a fresh database, with apitest's token
// and outbox helpers.
func newAPI(t testing.TB) *apitest.API {
	t.Helper()
	return apitest.New(t, mcpserver.Routes)
}
