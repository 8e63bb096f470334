package mcpserver

import (
	"context"
	"log/slog"
)

// sdkLogger is the logger handed to the MCP SDK. The SDK logs every session's start and end
// at info, and a stateless server has a session per request; those lines would drown the
// function's own, so only its warnings and errors are kept.
func sdkLogger(log *slog.Logger) *slog.Logger {
	return slog.New(minLevel{log.Handler(), slog.LevelWarn}).With("component", "mcp-sdk")
}

// minLevel drops records below level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
