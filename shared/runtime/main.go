package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/telemetry"
)

// HTTPFunction builds a function's routes from its dependencies.
type HTTPFunction func(d *Deps) []Route

// Main is the whole main of an HTTP function: read the environment, connect to Postgres,
// build the routes, serve them with health endpoints until SIGTERM (or run as an AWS
// Lambda handler when AWS_LAMBDA_RUNTIME_API is set).
func Main(name string, build HTTPFunction) {
	exitOnError(name, run(name, true, func(ctx context.Context, d *Deps, mux *http.ServeMux) error {
		Mount(mux, d, name, build(d))
		h := Handler(d, mux, nil)
		if InLambda() {
			return serveLambda(ctx, d, h, nil)
		}
		d.Log.Info("serving", "port", d.Config.Port)
		return server.ListenAndServe(ctx, ":"+strconv.Itoa(d.Config.Port), h, d.Log, nil)
	}))
}

// run is what every function's main shares: a context ended by SIGINT or SIGTERM, the
// configuration, the dependencies (with a token verifier when the function serves users)
// and a mux with the health endpoints; serve adds the function's routes and serves them.
func run(name string, users bool, serve func(ctx context.Context, d *Deps, mux *http.ServeMux) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := LoadConfig(name)
	if err != nil {
		return err
	}
	d, closeDeps, err := open(ctx, cfg, Logger(cfg), users)
	if err != nil {
		return err
	}
	defer closeDeps()
	shutdown, err := Observe(ctx, d, nil)
	if err != nil {
		return err
	}
	defer shutdown(context.WithoutCancel(ctx))
	mux := http.NewServeMux()
	server.Health(mux, d.Store.Ping)
	mux.Handle("GET /metrics", telemetry.Handler())
	return serve(ctx, d, mux)
}

// Observe sets up the process's telemetry (see package telemetry): tracing from the
// environment (and into rec, when not nil), and the metrics of its database pool and
// outbox. The returned function flushes buffered spans.
func Observe(ctx context.Context, d *Deps, rec *telemetry.Recorder) (func(context.Context) error, error) {
	shutdown, err := telemetry.Setup(ctx, d.Config.Name, telemetry.Options{Recorder: rec})
	if err != nil {
		return nil, err
	}
	st := d.Store
	telemetry.Register(telemetry.NewPoolCollector(st.Pool()), telemetry.NewOutboxCollector(func(ctx context.Context) (int64, time.Duration, error) {
		n, oldest, err := st.OutboxStats(ctx)
		if err != nil || oldest == nil {
			return int64(n), 0, err
		}
		return int64(n), max(0, st.Now().Sub(*oldest)), nil
	}))
	return shutdown, nil
}

func exitOnError(name string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Open connects to Postgres (applying migrations when MIGRATE is set), builds the token
// verifier and the publishing path, and returns the dependencies with their closer.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Deps, func(), error) {
	return open(ctx, cfg, log, true)
}

// OpenEvents is Open for event functions: they authenticate no users, so no token
// verifier is needed.
func OpenEvents(ctx context.Context, cfg Config, log *slog.Logger) (*Deps, func(), error) {
	return open(ctx, cfg, log, false)
}

func open(ctx context.Context, cfg Config, log *slog.Logger, users bool) (*Deps, func(), error) {
	if cfg.DatabaseURL == "" {
		return nil, nil, fmt.Errorf("DATABASE_URL is not set")
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*Deps, func(), error) {
		pool.Close()
		return nil, nil, err
	}
	if cfg.Migrate {
		if err := postgres.Migrate(ctx, pool); err != nil {
			return fail(err)
		}
	}
	var v auth.Verifier
	if users {
		if v, err = Verifier(ctx, cfg); err != nil {
			return fail(err)
		}
	}
	st := postgres.New(pool)
	st.ListenURL = cfg.DatabaseListenURL
	d := NewDeps(cfg, log, st, v)
	closePublishing, err := ConfigurePublishing(ctx, d)
	if err != nil {
		return fail(err)
	}
	return d, func() { closePublishing(); pool.Close() }, nil
}
