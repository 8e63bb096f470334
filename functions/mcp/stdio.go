package mcpserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskline/taskline/shared/todo"
)

// UserStore records users; the stdio server's user must exist before its first task.
type UserStore interface {
	EnsureUser(ctx context.Context, u todo.User) error
}

// ServeStdio serves the tools for user over newline-delimited JSON-RPC on in and out (a
// local client starts the process and talks on its stdin and stdout) until ctx ends or in
// is closed. Nothing else may write to out. The user is recorded first, with the email and
// zone given, if it is new.
func ServeStdio(ctx context.Context, s Store, users UserStore, user todo.User, log *slog.Logger, in io.ReadCloser, out io.WriteCloser) error {
	if user.ID == "" {
		return fmt.Errorf("serving MCP on stdio: no user given")
	}
	if err := users.EnsureUser(ctx, user); err != nil {
		return fmt.Errorf("recording user %s: %w", user.ID, err)
	}
	err := NewServer(s, FixedUser(user.ID), log).Run(ctx, &mcp.IOTransport{Reader: in, Writer: out})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("serving MCP on stdio: %w", err)
	}
	return nil
}
