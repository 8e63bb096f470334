package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"github.com/taskline/taskline/shared/postgres"
)

// EventBuilder builds an event function from its dependencies.
type EventBuilder func(d *Deps) (EventFunction, error)

// EventMain is the whole main of an event function: read the environment, connect to
// Postgres, build the function, then serve its CloudEvents, Dapr and binding routes with
// health endpoints until SIGTERM (running its Background loop meanwhile), or run as an AWS
// Lambda handler when AWS_LAMBDA_RUNTIME_API is set.
func EventMain(name string, build EventBuilder) {
	if err := runEvents(name, build); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func runEvents(name string, build EventBuilder) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := LoadConfig(name)
	if err != nil {
		return err
	}
	log := Logger(cfg)
	d, closeDeps, err := OpenEvents(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDeps()
	f, err := build(d)
	if err != nil {
		return err
	}
	if f.Name == "" {
		f.Name = name
	}
	mux := http.NewServeMux()
	Health(mux, d.Store.Ping)
	MountEvents(mux, d, f)
	if InLambda() {
		return serveLambda(ctx, d, mux, &f)
	}
	var wg sync.WaitGroup
	bg, cancel := context.WithCancel(ctx)
	if f.Background != nil {
		wg.Add(1)
		go func() { defer wg.Done(); f.Background(bg) }()
	}
	log.Info("serving", "port", cfg.Port, "topic", f.Topic)
	err = Serve(ctx, ":"+strconv.Itoa(cfg.Port), mux, log, nil)
	cancel()
	wg.Wait()
	return err
}

// OpenEvents is Open for event functions: they authenticate no users, so no token
// verifier is needed.
func OpenEvents(ctx context.Context, cfg Config, log *slog.Logger) (*Deps, func(), error) {
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
	d := NewDeps(cfg, log, postgres.New(pool), nil)
	closePublishing, err := ConfigurePublishing(ctx, d)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return d, func() { closePublishing(); pool.Close() }, nil
}
