// Command taskline is the local all-in-one Taskline: every function in one process on one
// port, with the event pipeline in process, the web app at /, and (without DATABASE_URL)
// its own PostgreSQL in ./.data/postgres.
//
//	taskline [serve]         run everything (the default)
//	taskline migrate         apply database migrations to DATABASE_URL and exit
//	taskline token USER      print a bearer token for USER (needs JWT_SECRET)
//	taskline mcp --stdio     serve the MCP tools on stdin/stdout (with the event pipeline)
//	taskline tools --openai  print the tools as OpenAI function definitions (--strict)
//	taskline openapi [--html] print the HTTP API's OpenAPI document (or its reference page)
//	taskline outbox parked|replay  list the events parked after failing too often, replay them
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/functions/caldav"
	"github.com/taskline/taskline/functions/chat"
	completetask "github.com/taskline/taskline/functions/complete-task"
	createtask "github.com/taskline/taskline/functions/create-task"
	deletetask "github.com/taskline/taskline/functions/delete-task"
	managetags "github.com/taskline/taskline/functions/manage-tags"
	"github.com/taskline/taskline/functions/profile"
	querytasks "github.com/taskline/taskline/functions/query-tasks"
	schedulereminder "github.com/taskline/taskline/functions/schedule-reminder"
	"github.com/taskline/taskline/functions/tokens"
	updatetask "github.com/taskline/taskline/functions/update-task"
	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/pglocal"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/web"
)

// httpFunctions are the API functions the binary hosts, by name (the name is their event
// source and their Dapr app id when deployed alone).
var httpFunctions = []struct {
	name   string
	routes runtime.HTTPFunction
}{
	{"create-task", createtask.Routes},
	{"complete-task", completetask.Routes},
	{"update-task", updatetask.Routes},
	{"delete-task", deletetask.Routes},
	{"query-tasks", querytasks.Routes},
	{"manage-tags", managetags.Routes},
	{"schedule-reminder", schedulereminder.Routes},
	{"profile", profile.Routes},
	{chat.Name, chat.Routes},
	{tokens.Name, tokens.Routes},
	{caldav.Name, caldav.Routes},
}

// localPoolSize is the connection pool of the binary's own Postgres (see relayWorkers).
const localPoolSize = 24

// DevUser is the user the printed token is for.
const DevUser = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cmd, args := "serve", os.Args[1:]
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args)
	case "migrate":
		err = migrate(ctx)
	case "token":
		err = token(args)
	case "mcp":
		err = runMCPStdio(ctx, args, os.Stdin, os.Stdout)
	case "tools":
		err = runTools(args)
	case "openapi":
		err = writeOpenAPI(args, os.Stdout)
	case "outbox":
		err = runOutbox(ctx, args, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q (serve, migrate, token, mcp, tools, openapi, outbox)", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "taskline:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := runtime.LoadConfig("taskline")
	if err != nil {
		return err
	}
	cfg.Migrate = true
	if os.Getenv("PUBLISHER") == "" {
		cfg.Publisher = "inproc"
	}
	if _, set := os.LookupEnv("CORS_ORIGINS"); !set {
		cfg.CORSOrigins = localOrigins(cfg.Port)
	}
	if os.Getenv("PUBLIC_URL") == "" && os.Getenv("APP_BASE_URL") == "" {
		// Links in reminder emails point at this binary's own port.
		cfg.AppBaseURL = "http://localhost:" + strconv.Itoa(cfg.Port)
	}
	log := runtime.Logger(cfg)
	servePprof(log)
	dataDir := envOr("TASKLINE_DATA_DIR", ".data")

	if cfg.DatabaseURL == "" {
		url, stop, err := startLocalPostgres(ctx, dataDir, log)
		if err != nil {
			return err
		}
		defer stop()
		// One process serves every function and the pipeline's workers: a larger pool than
		// pgx's default (4 on two cores) keeps requests from queueing behind emails.
		cfg.DatabaseURL = url + "&pool_max_conns=" + strconv.Itoa(localPoolSize)
	}
	devToken := ""
	if cfg.JWTSecret == "" && cfg.JWKSURL == "" {
		if cfg.JWTSecret, err = devSecret(dataDir); err != nil {
			return err
		}
		devToken, err = auth.Sign([]byte(cfg.JWTSecret), DevUser, "dev@localhost", envOr("TASKLINE_DEV_TZ", "UTC"), 30*24*time.Hour)
		if err != nil {
			return err
		}
	}

	d, closeDeps, err := runtime.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDeps()
	if devToken != "" {
		// Record the dev user now so its zone and address are there before the first call.
		if _, err := d.Guard.Authenticate(ctx, "Bearer "+devToken); err != nil {
			return err
		}
	}

	// Traces: kept in memory for /debug/traces in local mode; exported or printed as the
	// environment asks (OTEL_EXPORTER_OTLP_ENDPOINT, TRACES=stdout).
	var rec *telemetry.Recorder
	if devToken != "" {
		rec = telemetry.NewRecorder(100)
	}
	flush, err := runtime.Observe(ctx, d, rec)
	if err != nil {
		return err
	}
	defer flush(context.WithoutCancel(ctx))

	stopPipeline, err := startLocalPipeline(ctx, d, dataDir)
	if err != nil {
		return err
	}
	defer stopPipeline()
	mode := web.ModeProduction
	if devToken != "" {
		mode = web.ModeLocal
	}
	h := newHandler(d, web.Config{Mode: mode, DevToken: devToken, UserID: DevUser, Logger: log}, rec)
	if devToken != "" {
		h = loopbackOnlyDevConfig(h, web.Handler(web.Config{Mode: web.ModeProduction, Logger: log}))
	}

	addr := listenAddr(os.Getenv("HOST"), cfg.Port, devToken != "")
	if host, _, _ := net.SplitHostPort(addr); devToken != "" && !isLoopbackHost(host) {
		log.Warn("serving with a dev token on a non-loopback address: /config.json gives it to local clients only; set JWT_SECRET for a shared server", "addr", addr)
	}
	return server.ListenAndServe(ctx, addr, h, log, func(a net.Addr) {
		announce(a, devToken, log)
	})
}

// newHandler is everything the binary answers over HTTP: health, /metrics, the recorded
// traces (when traces is not nil: local mode), every function's routes, /mcp and the web app, wrapped in the runtime's CORS and JSON 404/405 handling.
func newHandler(d *runtime.Deps, app web.Config, traces *telemetry.Recorder) http.Handler {
	mux := http.NewServeMux()
	server.Health(mux, d.Store.Ping)
	mux.Handle("GET /metrics", telemetry.Handler())
	if traces != nil {
		mux.Handle("GET /debug/traces", traces.Handler())
	}
	for _, f := range httpFunctions {
		runtime.Mount(mux, d, f.name, f.routes(d))
	}
	mountMCP(mux, d)
	mountDocs(mux, d)
	// The page answers only what no route does: another method on an API path is then the
	// mux's 405 with the path's real Allow header, not the page's.
	return runtime.Handler(d, mux, web.Handler(app))
}

// listenAddr is where serve listens: HOST and the port; without HOST, all interfaces when
// tokens are verified with a configured secret, and only 127.0.0.1 in dev mode (no
// JWT_SECRET), where anyone who reached the port could take the dev token from the page.
func listenAddr(host string, port int, dev bool) string {
	if host == "" && dev {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// loopbackOnlyDevConfig answers GET /config.json from public (no dev token) unless the
// request comes from this machine and names it in Host (a page on another site that
// rebinds its DNS name to 127.0.0.1 still sends its own Host): the dev token is for the
// developer at this machine, never for the network, whatever HOST says.
func loopbackOnlyDevConfig(h, public http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/config.json" {
			remote, _, _ := net.SplitHostPort(r.RemoteAddr)
			host := r.Host
			if hh, _, err := net.SplitHostPort(r.Host); err == nil {
				host = hh
			}
			if !isLoopbackHost(remote) || !isLoopbackHost(host) {
				public.ServeHTTP(w, r)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// localOrigins are the browser origins the local binary accepts without CORS_ORIGINS: its
// own (the page, and Vite's dev server proxying to it) and http://localhost:3000, where
// the seed's Next.js client runs.
func localOrigins(port int) []string {
	p := strconv.Itoa(port)
	return []string{"http://localhost:" + p, "http://127.0.0.1:" + p, "http://localhost:3000"}
}

// announce prints what a person needs to start: the address and, in dev mode, the token.
func announce(a net.Addr, devToken string, log *slog.Logger) {
	port := a.(*net.TCPAddr).Port
	base := fmt.Sprintf("http://localhost:%d", port)
	log.Info("taskline is ready", "url", base)
	fmt.Printf("\nTaskline is ready at %s\n", base)
	if devToken != "" {
		fmt.Printf("Dev user %q; its bearer token (valid for 30 days; the secret is kept in the data folder):\n\n", DevUser)
		fmt.Printf("  export TOKEN=%s\n\n", devToken)
		fmt.Printf("Try: curl -H \"Authorization: Bearer $TOKEN\" %s/api/%s/tasks\n\n", base, DevUser)
		fmt.Printf("Traces of the last 100 requests and events: %s/debug/traces\n", base)
	}
	fmt.Printf("Prometheus metrics: %s/metrics\n\n", base)
}

// openDatabaseURL connects to DATABASE_URL, for the commands that work on a running
// deployment's database (migrate, outbox).
func openDatabaseURL(ctx context.Context) (*pgxpool.Pool, error) {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return nil, errors.New("DATABASE_URL is not set")
	}
	return postgres.Open(ctx, url)
}

func migrate(ctx context.Context) error {
	pool, err := openDatabaseURL(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return err
	}
	fmt.Println("migrations applied")
	return nil
}

func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	email := fs.String("email", "", "email claim (where reminders go)")
	tz := fs.String("tz", "", "tz claim: the user's IANA time zone, e.g. Europe/Berlin")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: taskline token [-email a@b.c] [-tz Europe/Berlin] [-ttl 24h] USER")
	}
	secret := os.Getenv("JWT_SECRET")
	if secret == "" {
		return errors.New("JWT_SECRET is not set")
	}
	t, err := auth.Sign([]byte(secret), fs.Arg(0), *email, *tz, *ttl)
	if err != nil {
		return err
	}
	fmt.Println(t)
	return nil
}

// startLocalPostgres runs the binary's own PostgreSQL in <dataDir>/postgres (created on
// first use, kept across runs) and returns its URL and the function that stops it.
func startLocalPostgres(ctx context.Context, dataDir string, log *slog.Logger) (string, func(), error) {
	dir := filepath.Join(dataDir, "postgres")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", nil, err
	}
	log.Info("starting PostgreSQL", "dir", dir)
	pg, err := pglocal.Start(ctx, pglocal.Options{Dir: dir, Durable: true})
	if err != nil {
		return "", nil, fmt.Errorf("starting the local PostgreSQL in %s (or set DATABASE_URL): %w", dir, err)
	}
	return pg.URL(), func() {
		log.Info("stopping PostgreSQL")
		if err := pg.Stop(); err != nil {
			log.Error("stopping PostgreSQL", "err", err)
		}
	}, nil
}

// devSecret is the HS256 secret of a local run without JWT_SECRET: generated once and kept
// in the data folder, so the printed dev token keeps working across restarts.
func devSecret(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "dev-jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return string(b), nil
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", err
	}
	secret := auth.NewSecret()
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return "", fmt.Errorf("keeping the dev secret: %w", err)
	}
	return string(secret), nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
