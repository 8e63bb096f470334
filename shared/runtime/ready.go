package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/todo"
)

// A function listens, and answers /healthz, before its database is connected: a cold
// start's first requests and the platform's probes are answered as soon as the process
// runs, while the pool's first connection (and the JWKS download, and migrations) are made
// in the background. Until then /readyz answers 503, so Kubernetes and Knative route no
// traffic to the pod, and a request that arrives anyway (a test, or the first request of a
// cold start sent straight to the port) waits for the database rather than failing.

// ReadyWait bounds how long a request waits for a starting process to become ready
// before it is answered 503 (with Retry-After); its own context may end it sooner.
var ReadyWait = 10 * time.Second

// retryBackoff is how long the background start waits between attempts (doubling from
// the first to the last).
var retryBackoff = [2]time.Duration{50 * time.Millisecond, 2 * time.Second}

// errStarting is what a request that waited in vain and /readyz answer before the first
// attempt ends.
var errStarting = errors.New("starting: connecting to the database")

// WhenReady holds requests to h until d is ready, for at most ReadyWait; a request that
// times out (or whose client leaves) is answered 503 with Retry-After.
func (d *Deps) WhenReady(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := d.WaitReady(r.Context()); err != nil {
			d.Errors.Write(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Started is closed once d is ready.
func (d *Deps) Started() <-chan struct{} {
	if d.ready == nil {
		return closed
	}
	return d.ready
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// WaitReady waits until d is ready, ctx ends or ReadyWait passes, whichever is first.
func (d *Deps) WaitReady(ctx context.Context) error {
	if d.ready == nil {
		return nil
	}
	select {
	case <-d.ready:
		return nil
	default:
	}
	t := time.NewTimer(ReadyWait)
	defer t.Stop()
	select {
	case <-d.ready:
		return nil
	case <-ctx.Done():
	case <-t.C:
	}
	return todo.Errorf(todo.Unavailable, "", "the service is starting; try again in a few seconds")
}

// ProbeWait is how long a readiness probe that arrives while the process is starting
// waits for the start to finish before it is answered 503: the platform, which probes in a
// loop at a cold start, learns the moment the process is ready instead of at its next
// probe. It stays well inside a probe's timeout (Kubernetes' least is 1 s).
var ProbeWait = 300 * time.Millisecond

// Ready reports whether d's dependencies answer (readiness, GET /readyz): not before the
// background start is done (waited for up to ProbeWait), then the database's ping.
func (d *Deps) Ready(ctx context.Context) error {
	if d.ready != nil {
		t := time.NewTimer(ProbeWait)
		defer t.Stop()
		select {
		case <-d.ready:
		case <-ctx.Done():
			return d.startError()
		case <-t.C:
			return d.startError()
		}
	}
	return d.Store.Ping(ctx)
}

// startError is why d is not ready yet.
func (d *Deps) startError() error {
	if err := d.notReady.Load(); err != nil {
		return *err
	}
	return errStarting
}

// startStep is one thing a function needs before it serves requests: it runs, and is
// retried while it fails, in its own goroutine. An error wrapped by permanent is not
// retried: it stops the process.
type startStep struct {
	name string
	run  func(ctx context.Context) error
}

// permanentError is an error that retrying cannot fix (a migration that does not apply).
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

func permanent(err error) error { return permanentError{err} }

// starting builds d's readiness: d.ready closes once every step has succeeded. A step's
// errors are logged and kept for /readyz, and the step is tried again after a backoff;
// fail is called with a fatal error. The returned function stops the steps and waits
// for them.
func (d *Deps) starting(ctx context.Context, fail func(error), steps ...startStep) (stop func()) {
	d.ready = make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait := retryBackoff[0]
			for {
				err := s.run(ctx)
				if err == nil || ctx.Err() != nil {
					return
				}
				err = fmt.Errorf("starting: %s: %w", s.name, err)
				if errors.As(err, new(permanentError)) {
					fail(err)
					return
				}
				d.notReady.Store(&err)
				d.Log.Warn("not ready yet; trying again", "step", s.name, "in", wait.String(), "err", err)
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				wait = min(2*wait, retryBackoff[1])
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
		if ctx.Err() == nil {
			d.notReady.Store(nil)
			close(d.ready)
		}
	}()
	return func() { cancel(); <-done }
}

// connectStep pings the store's database, then applies the migrations when migrate is
// set; a migration that fails for another reason than the database going away is
// permanent.
func connectStep(st *postgres.Store, migrate bool) startStep {
	return startStep{name: "connecting to postgres", run: func(ctx context.Context) error {
		ping, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := st.Ping(ping)
		cancel()
		if err != nil || !migrate {
			return err
		}
		if err := postgres.Migrate(ctx, st.Pool()); err != nil {
			if postgres.IsUnavailable(err) {
				return err
			}
			return permanent(fmt.Errorf("migrating: %w", err))
		}
		return nil
	}}
}
