package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"

	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// mountMCP serves the MCP tools at /mcp, as the mcp function does when deployed alone.
func mountMCP(mux *http.ServeMux, d *runtime.Deps) {
	runtime.Mount(mux, d, mcpserver.Name, mcpserver.Routes(d))
}

// runMCPStdio is `taskline mcp --stdio [--user NAME] [--email ADDR] [--pipeline auto|on|off]`: the tools
// on in and out for a local MCP client (a desktop assistant starts this process), acting for
// one user. The database is DATABASE_URL, or the local binary's own PostgreSQL in
// TASKLINE_DATA_DIR (which `taskline serve` must not be holding at the same time).
//
// With its own database nothing else would ever publish the outbox, so it runs the event
// pipeline in process (next instances of repeating tasks, reminder emails to SMTP_URL or the
// mail sink). With DATABASE_URL it assumes a deployment whose functions already do, unless
// --pipeline=on says otherwise: two pipelines on one outbox would starve the deployment's
// consumers of the events this process publishes to itself.
func runMCPStdio(ctx context.Context, args []string, in io.ReadCloser, out io.WriteCloser) error {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	stdio := fs.Bool("stdio", false, "serve MCP over stdin/stdout")
	user := fs.String("user", envOr("TASKLINE_USER", DevUser), "the user the tools act for (env TASKLINE_USER)")
	email := fs.String("email", os.Getenv("TASKLINE_EMAIL"), "where the user's reminders go, if the user is new (env TASKLINE_EMAIL; default USER@localhost, which the mail sink takes)")
	pipeline := fs.String("pipeline", "auto", "run the event pipeline in this process: auto (only with the binary's own database), on, off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*stdio || fs.NArg() > 0 {
		return errors.New("usage: taskline mcp --stdio [--user NAME] [--pipeline auto|on|off]  (over HTTP, `taskline serve` answers at /mcp)")
	}
	cfg, err := runtime.LoadConfig(mcpserver.Name)
	if err != nil {
		return err
	}
	var runPipeline bool
	switch *pipeline {
	case "auto":
		runPipeline = cfg.DatabaseURL == ""
	case "on", "off":
		runPipeline = *pipeline == "on"
	default:
		return fmt.Errorf("--pipeline must be auto, on or off, not %q", *pipeline)
	}
	cfg.Migrate = true
	if runPipeline {
		cfg.Publisher = "inproc"
	}
	if cfg.JWTSecret == "" && cfg.JWKSURL == "" {
		// Nothing is verified on stdio; the runtime still wants a verifier.
		cfg.JWTSecret = string(auth.NewSecret())
	}
	// Logs go to stderr (runtime.Logger); stdout carries only the protocol.
	log := runtime.Logger(cfg)
	dataDir := envOr("TASKLINE_DATA_DIR", ".data")
	if cfg.DatabaseURL == "" {
		url, stop, err := startLocalPostgres(ctx, dataDir, log)
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
	if runPipeline {
		stopPipeline, err := startLocalPipeline(ctx, d, dataDir)
		if err != nil {
			return err
		}
		defer stopPipeline()
		log.Info("event pipeline runs in this process: next instances of repeating tasks and reminder emails are handled here")
	} else {
		log.Info("event pipeline is off: DATABASE_URL is taken to be a deployment whose functions publish and consume events " +
			"(--pipeline=on runs it here)")
	}
	if *email == "" {
		*email = *user + "@localhost"
	}
	log.Info("serving MCP on stdio", "user_id", *user)
	return mcpserver.ServeStdio(ctx, d.Store, d.Store, todo.User{ID: *user, Email: *email, TimeZone: os.Getenv("TASKLINE_DEV_TZ")}, log, in, out)
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
