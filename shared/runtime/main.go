package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/telemetry"
)

// HTTPFunction builds a function's routes from its dependencies.
type HTTPFunction func(d *Deps) []Route

// Main is the whole main of an HTTP function: read the environment, build the routes,
// serve them with health endpoints until SIGTERM (or run as an AWS Lambda handler when
// AWS_LAMBDA_RUNTIME_API is set). It listens before Postgres is connected (see
// WhenReady).
func Main(name string, build HTTPFunction) {
	exitOnError(name, withConfig(name, func(ctx context.Context, cfg Config) error {
		return serveHTTP(ctx, cfg, build, nil)
	}))
}

// serveHTTP serves an HTTP function with cfg until ctx ends; onListen, when set, gets the
// bound address.
func serveHTTP(ctx context.Context, cfg Config, build HTTPFunction, onListen func(net.Addr)) error {
	return run(ctx, cfg, true, func(ctx context.Context, d *Deps, mux *http.ServeMux) error {
		Mount(mux, d, cfg.Name, build(d))
		h := Handler(d, mux, nil)
		if InLambda() {
			return serveLambda(ctx, d, h, nil)
		}
		d.Log.Info("serving", "port", cfg.Port)
		return server.ListenAndServe(ctx, ":"+strconv.Itoa(cfg.Port), h, d.Log, onListen)
	})
}

// withConfig runs f with a context ended by SIGINT or SIGTERM and the configuration of the
// named function.
func withConfig(name string, f func(ctx context.Context, cfg Config) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := LoadConfig(name)
	if err != nil {
		return err
	}
	return f(ctx, cfg)
}

// run is what every function's main shares: the dependencies (with a token verifier when
// the function serves users), connected in the background (startDeps), and a mux with the
// health endpoints; serve adds the function's routes and serves them. A start-up error
// that retrying cannot fix (a failed migration) ends serve and is returned.
func run(ctx context.Context, cfg Config, users bool, serve func(ctx context.Context, d *Deps, mux *http.ServeMux) error) error {
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	d, closeDeps, err := startDeps(ctx, cfg, Logger(cfg), users, fail)
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
	server.Health(mux, d.Ready)
	mux.Handle("GET /metrics", telemetry.Handler())
	err = serve(ctx, d, mux)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // fail's: serve stopped because of it
	}
	return err
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
	d, closeDeps, err := newDeps(ctx, cfg, log, pool, v)
	if err != nil {
		return fail(err)
	}
	return d, closeDeps, nil
}

// startDeps is open without waiting: the pool is made but not connected, and the JWKS
// (JWT_JWKS_URL) not loaded, when it returns; both happen in the background, retried until
// they succeed, and d.ready closes then. A migration that fails is passed to fail.
// Configuration errors are returned at once.
func startDeps(ctx context.Context, cfg Config, log *slog.Logger, users bool, fail func(error)) (*Deps, func(), error) {
	if cfg.DatabaseURL == "" {
		return nil, nil, fmt.Errorf("DATABASE_URL is not set")
	}
	pool, err := postgres.NewPool(cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	var v auth.Verifier
	if users && cfg.JWKSURL == "" {
		if v, err = Verifier(ctx, cfg); err != nil {
			pool.Close()
			return nil, nil, err
		}
	}
	d, closeDeps, err := newDeps(ctx, cfg, log, pool, v)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	steps := []startStep{connectStep(d.Store, cfg.Migrate)}
	if users && v == nil {
		steps = append(steps, startStep{name: "loading JWT_JWKS_URL", run: func(ctx context.Context) error {
			v, err := Verifier(ctx, cfg)
			if err == nil {
				d.Guard.Verifier = v // read only by requests, which WhenReady holds until now
			}
			return err
		}})
	}
	stop := d.starting(ctx, fail, steps...)
	return d, func() { stop(); closeDeps() }, nil
}

// newDeps builds the store and the dependencies on pool, and the publishing path; the
// closer closes the pool too.
func newDeps(ctx context.Context, cfg Config, log *slog.Logger, pool *pgxpool.Pool, v auth.Verifier) (*Deps, func(), error) {
	st := postgres.New(pool)
	st.ListenURL = cfg.DatabaseListenURL
	d := NewDeps(cfg, log, st, v)
	closePublishing, err := ConfigurePublishing(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	return d, func() { closePublishing(); pool.Close() }, nil
}
