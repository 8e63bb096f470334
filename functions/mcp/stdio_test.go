package mcpserver_test

import (
	"context"
	"io"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/todo"
)

// The stdio server acts for the user it was started for, who need not exist yet.
func TestStdio(t *testing.T) {
	t.Parallel()
	api := newAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	clientIn, serverOut := io.Pipe()
	serverIn, clientOut := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- mcpserver.ServeStdio(ctx, api.Store, api.Store, todo.User{ID: "local-dev"}, quiet, serverIn, serverOut)
	}()

	c := connect(t, &mcp.IOTransport{Reader: clientIn, Writer: clientOut})
	var task todo.Task
	c.ok("add_task", map[string]any{"title": "from stdio", "tags": []string{"local"}}, &task)
	if task.UserID != "local-dev" {
		t.Errorf("task belongs to %q, want local-dev", task.UserID)
	}
	events := api.Outbox()
	if len(events) != 1 || events[0].Type != "task.created" || events[0].Source != mcpserver.Source || events[0].UserID != "local-dev" {
		t.Errorf("outbox %+v", events)
	}

	c.session.Close()
	clientOut.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeStdio ended with %v", err)
	}
}
