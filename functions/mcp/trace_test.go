package mcpserver_test

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskline/taskline/shared/todo"
)

// The caller's W3C trace context travels on in the events a tool causes: from the call's
// _meta, or from the HTTP request's traceparent header.
func TestTraceContextReachesTheEvents(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	ctx := context.Background()
	if err := api.Store.EnsureUser(ctx, todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	lastTrace := func() string {
		t.Helper()
		var tp *string
		if err := api.Store.Pool().QueryRow(ctx, `SELECT event->>'traceparent' FROM outbox ORDER BY id DESC LIMIT 1`).Scan(&tp); err != nil {
			t.Fatal(err)
		}
		if tp == nil {
			return ""
		}
		return *tp
	}

	const fromMeta = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	c := inMemory(t, api.Store, "ann")
	res, err := c.session.CallTool(ctx, &mcp.CallToolParams{Name: "add_task", Arguments: map[string]any{"title": "traced"},
		Meta: mcp.Meta{"traceparent": fromMeta}})
	if err != nil || res.IsError {
		t.Fatalf("add_task: %v %v", err, res)
	}
	if got := lastTrace(); got != fromMeta {
		t.Errorf("traceparent from _meta: event has %q", got)
	}

	const fromHeader = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_task","arguments":{"title":"traced too"}}}`
	res2, body := postWith(t, api.URL+"/mcp", map[string]string{"Authorization": "Bearer " + api.Token("ann"), "traceparent": fromHeader}, call)
	if res2.StatusCode != 200 {
		t.Fatalf("status %d: %s", res2.StatusCode, body)
	}
	if got := lastTrace(); got != fromHeader {
		t.Errorf("traceparent from the header: event has %q", got)
	}
}
