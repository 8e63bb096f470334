package main

// Placeholder until the MCP function lands: the MCP helper replaces this file.

import (
	"context"
	"errors"
	"net/http"

	"github.com/taskline/taskline/shared/runtime"
)

func mountMCP(mux *http.ServeMux, d *runtime.Deps) {}

func runMCPStdio(ctx context.Context, args []string) error { return errors.New("mcp: not built yet") }

func runTools(args []string) error { return errors.New("tools: not built yet") }
