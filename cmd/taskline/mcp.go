package main

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"os"

	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/tool"
)

// mountMCP serves the MCP tools at /mcp, as the mcp function does when deployed alone.
func mountMCP(mux *http.ServeMux, d *runtime.Deps) {
	runtime.Mount(mux, d, mcpserver.Name, mcpserver.Routes(d))
}

// runMCPStdio is `taskline mcp --stdio [--user NAME]`: the tools on stdin and stdout for a
// local MCP client (a desktop assistant starts this process), acting for one user. The
// database is DATABASE_URL, or the local binary's own PostgreSQL in TASKLINE_DATA_DIR
// (which `taskline serve` must not be holding at the same time).
func runMCPStdio(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	stdio := fs.Bool("stdio", false, "serve MCP over stdin/stdout")
	user := fs.String("user", envOr("TASKLINE_USER", DevUser), "the user the tools act for (env TASKLINE_USER)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*stdio || fs.NArg() > 0 {
		return errors.New("usage: taskline mcp --stdio [--user NAME]  (over HTTP, `taskline serve` answers at /mcp)")
	}
	cfg, err := runtime.LoadConfig(mcpserver.Name)
	if err != nil {
		return err
	}
	cfg.Migrate = true
	if cfg.JWTSecret == "" && cfg.JWKSURL == "" {
		// Nothing is verified on stdio; the runtime still wants a verifier.
		cfg.JWTSecret = string(auth.NewSecret())
	}
	// Logs go to stderr (runtime.Logger); stdout carries only the protocol.
	log := runtime.Logger(cfg)
	if cfg.DatabaseURL == "" {
		url, stop, err := startLocalPostgres(ctx, envOr("TASKLINE_DATA_DIR", ".data"), log)
		if err != nil {
			return err
		}
		defer stop()
		cfg.DatabaseURL = url
	}
	d, closeDeps, err := runtime.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDeps()
	log.Info("serving MCP on stdio", "user_id", *user)
	return mcpserver.ServeStdio(ctx, d.Store, d.Store, *user, log, os.Stdin, os.Stdout)
}

// runTools is `taskline tools --openai [--strict]` (the tools as OpenAI function
// definitions; --strict in the form OpenAI's strict mode accepts) or `taskline tools --mcp`
// (as MCP's tools/list gives them), printed as JSON.
func runTools(args []string) error {
	fs := flag.NewFlagSet("tools", flag.ContinueOnError)
	openai := fs.Bool("openai", false, "print OpenAI-style function definitions")
	strict := fs.Bool("strict", false, "with --openai: definitions for OpenAI's strict mode")
	mcp := fs.Bool("mcp", false, "print MCP tool definitions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *openai && !*mcp && fs.NArg() == 0:
		return tool.WriteOpenAI(os.Stdout, *strict)
	case *mcp && !*openai && !*strict && fs.NArg() == 0:
		return mcpserver.WriteMCP(os.Stdout)
	}
	return errors.New("usage: taskline tools --openai [--strict] | --mcp")
}
