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

	"github.com/taskline/taskline/shared/postgres"
)

// HTTPFunction builds a function's routes from its dependencies.
type HTTPFunction func(d *Deps) []Route

// Main is the whole main of an HTTP function: read the environment, connect to Postgres,
// build the routes, serve them with health endpoints until SIGTERM (or run as an AWS
// Lambda handler when AWS_LAMBDA_RUNTIME_API is set).
func Main(name string, build HTTPFunction) {
	if err := run(name, build); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func run(name string, build HTTPFunction) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := LoadConfig(name)
	if err != nil {
		return err
	}
	log := Logger(cfg)
	d, closeDeps, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDeps()
	mux := http.NewServeMux()
	Health(mux, d.Store.Ping)
	Mount(mux, d, name, build(d))
	if InLambda() {
		return serveLambda(ctx, d, mux, nil)
	}
	log.Info("serving", "port", cfg.Port)
	return Serve(ctx, ":"+strconv.Itoa(cfg.Port), mux, log, nil)
}

// Open connects to Postgres (applying migrations when MIGRATE is set), builds the token
// verifier and the publishing path, and returns the dependencies with their closer.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Deps, func(), error) {
	if cfg.DatabaseURL == "" {
		return nil, nil, fmt.Errorf("DATABASE_URL is not set")
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Migrate {
		if err := postgres.Migrate(ctx, pool); err != nil {
			pool.Close()
			return nil, nil, err
		}
	}
	v, err := Verifier(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	d := NewDeps(cfg, log, postgres.New(pool), v)
	closePublishing, err := ConfigurePublishing(ctx, d)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return d, func() { closePublishing(); pool.Close() }, nil
}
