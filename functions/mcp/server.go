// Package mcpserver is the mcp function: Taskline's tools for AI assistants over the Model
// Context Protocol (Streamable HTTP at /mcp, or stdio for a local client), and the same tool
// schemas as OpenAI-style function definitions.
//
// The tools are a transport, like the HTTP functions: their arguments are decoded into the
// todo package's inputs and validated by the same code, they call the same store methods,
// which emit the same events, and domain errors come back as tool errors that name the
// argument at fault. The user is whoever the bearer token (or, for stdio, the local
// operator) says it is; no tool takes a user id.
package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// Store is what the tools need of the store (the registry's interface).
type Store = tool.Store

// Name is the function's name; Source is the CloudEvents source of the events its tools
// cause.
const (
	Name   = "mcp"
	Source = "/functions/" + Name
)

// Version is reported to MCP clients in the server's implementation info.
var Version = "1.0.0"

// UserFunc says which user a tool call acts for.
type UserFunc func(ctx context.Context, req *mcp.CallToolRequest) (string, error)

// TokenUser is the user of a call that came over HTTP: the subject of the bearer token that
// Handler verified. A call without one is refused.
func TokenUser(_ context.Context, req *mcp.CallToolRequest) (string, error) {
	if req.Extra != nil && req.Extra.TokenInfo != nil && req.Extra.TokenInfo.UserID != "" {
		return req.Extra.TokenInfo.UserID, nil
	}
	return "", todo.Errorf(todo.Unauthorized, "authorization", "a bearer token is required")
}

// FixedUser acts for one user on every call: the local stdio server, where whoever starts
// the process is the user.
func FixedUser(id string) UserFunc {
	return func(context.Context, *mcp.CallToolRequest) (string, error) { return id, nil }
}

// NewServer returns an MCP server with Taskline's tools on s, acting for the user that user
// names.
func NewServer(s Store, user UserFunc, log *slog.Logger) *mcp.Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: "taskline", Title: "Taskline", Version: Version}, &mcp.ServerOptions{
		Instructions: "Taskline manages the user's tasks and reminders. Use list_tasks to find task ids " +
			"before update_task, complete_task, delete_task or set_reminder. Times are RFC 3339 with a zone offset.",
		Logger: sdkLogger(log),
		// No logging capability: the server does not send log messages to clients.
		Capabilities: &mcp.ServerCapabilities{},
	})
	for _, t := range tool.All() {
		srv.AddTool(Definition(t), handle(t, s, user, log))
	}
	return srv
}

// Definition is a registry tool as MCP's tools/list shows it.
func Definition(t tool.Tool) *mcp.Tool {
	no := false
	return &mcp.Tool{
		Name: t.Name, Title: t.Title, Description: t.Description,
		InputSchema: t.Input, OutputSchema: t.Output,
		Annotations: &mcp.ToolAnnotations{
			Title: t.Title, ReadOnlyHint: t.ReadOnly, DestructiveHint: &t.Destructive,
			IdempotentHint: t.Idempotent, OpenWorldHint: &no,
		},
	}
}

// Definitions returns the tool definitions as MCP's tools/list gives them.
func Definitions() []*mcp.Tool {
	var defs []*mcp.Tool
	for _, t := range tool.All() {
		defs = append(defs, Definition(t))
	}
	return defs
}

// WriteMCP writes the MCP tool definitions (as tools/list gives them) as an indented JSON
// array.
func WriteMCP(w io.Writer) error {
	b, err := json.MarshalIndent(Definitions(), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding MCP tool definitions: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// handle adapts a tool to the SDK: it settles the user and the event source, runs the tool
// and turns its outcome into a result, errors included (tool errors, so the model sees them
// and can correct its arguments; protocol errors are for calls that never reach a tool).
func handle(t tool.Tool, s Store, user UserFunc, log *slog.Logger) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		userID, err := user(ctx, req)
		if err != nil {
			return failure(ctx, log, t.Name, "", err), nil
		}
		ctx = event.WithSource(ctx, Source)
		ctx = event.WithTraceParent(ctx, traceParent(req))
		var args json.RawMessage
		if req.Params != nil {
			args = req.Params.Arguments
		}
		res, err := t.Call(ctx, s, userID, args)
		if err != nil {
			return failure(ctx, log, t.Name, userID, err), nil
		}
		log.DebugContext(ctx, "tool called", "tool", t.Name, "user_id", userID)
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: res.Summary}},
			StructuredContent: res.Value,
		}, nil
	}
}

// traceParent is the caller's W3C trace context, passed on in the events: from the
// request's _meta (where MCP clients put it, as OpenTelemetry's MCP conventions say), else
// from the HTTP header.
func traceParent(req *mcp.CallToolRequest) string {
	if req.Params != nil {
		if tp, ok := req.Params.Meta["traceparent"].(string); ok && tp != "" {
			return tp
		}
	}
	if req.Extra != nil && req.Extra.Header != nil {
		return req.Extra.Header.Get("traceparent")
	}
	return ""
}

// ErrorResult is the text of a failed tool call: the HTTP API's error envelope, with the
// field named after the tool argument.
type ErrorResult struct {
	Error *todo.Error `json:"error"`
}

// failure is the tool error for err. Internal errors are logged here, once, and reach the
// model only as a message that reveals nothing.
func failure(ctx context.Context, log *slog.Logger, toolName, userID string, err error) *mcp.CallToolResult {
	e, internal := tool.ErrorOf(err)
	if internal && !errors.Is(err, context.Canceled) {
		log.ErrorContext(ctx, "tool failed", "tool", toolName, "user_id", userID, "err", err)
	}
	b, _ := json.Marshal(ErrorResult{Error: e})
	// No StructuredContent: clients check it against the output schema, which describes
	// success; the error is in the text, where the model reads it.
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
}
