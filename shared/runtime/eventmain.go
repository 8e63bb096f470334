package runtime

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/taskline/taskline/shared/server"
)

// EventBuilder builds an event function from its dependencies.
type EventBuilder func(d *Deps) (EventFunction, error)

// EventMain is the whole main of an event function: read the environment, connect to
// Postgres, build the function, then serve its CloudEvents, Dapr and binding routes with
// health endpoints until SIGTERM (running its Background loop meanwhile), or run as an AWS
// Lambda handler when AWS_LAMBDA_RUNTIME_API is set.
func EventMain(name string, build EventBuilder) {
	exitOnError(name, run(name, false, func(ctx context.Context, d *Deps, mux *http.ServeMux) error {
		f, err := build(d)
		if err != nil {
			return err
		}
		if f.Name == "" {
			f.Name = name
		}
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
		d.Log.Info("serving", "port", d.Config.Port, "topic", f.Topic)
		err = server.ListenAndServe(ctx, ":"+strconv.Itoa(d.Config.Port), mux, d.Log, nil)
		cancel()
		wg.Wait()
		return err
	}))
}
