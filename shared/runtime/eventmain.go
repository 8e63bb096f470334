package runtime

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/taskline/taskline/shared/server"
)

// EventBuilder builds an event function from its dependencies.
type EventBuilder func(d *Deps) (EventFunction, error)

// EventMain is the whole main of an event function: read the environment, build the
// function, then serve its CloudEvents, Dapr and binding routes with health endpoints until
// SIGTERM (running its Background loop once Postgres is connected), or run as an AWS Lambda
// handler when AWS_LAMBDA_RUNTIME_API is set. Like Main, it listens before Postgres is
// connected.
func EventMain(name string, build EventBuilder) {
	exitOnError(name, withConfig(name, func(ctx context.Context, cfg Config) error {
		return serveEvents(ctx, cfg, build, nil)
	}))
}

// serveEvents serves an event function with cfg until ctx ends; onListen, when set, gets
// the bound address.
func serveEvents(ctx context.Context, cfg Config, build EventBuilder, onListen func(net.Addr)) error {
	return run(ctx, cfg, false, func(ctx context.Context, d *Deps, mux *http.ServeMux) error {
		f, err := build(d)
		if err != nil {
			return err
		}
		if f.Name == "" {
			f.Name = cfg.Name
		}
		MountEvents(mux, d, f)
		if InLambda() {
			return serveLambda(ctx, d, mux, &f)
		}
		var wg sync.WaitGroup
		bg, cancel := context.WithCancel(ctx)
		if f.Background != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-d.Started():
					f.Background(bg)
				case <-bg.Done():
				}
			}()
		}
		d.Log.Info("serving", "port", cfg.Port, "topic", f.Topic)
		err = server.ListenAndServe(ctx, ":"+strconv.Itoa(cfg.Port), mux, d.Log, onListen)
		cancel()
		wg.Wait()
		return err
	})
}
