// Package web is the web function: the single-page app, embedded, behind the health
// endpoints every Taskline function has. On Kubernetes it runs as a Knative Service on the
// same host as the API, so the page calls /api/... on its own origin.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	site "github.com/taskline/taskline/web"
)

// New returns the function's handler: GET /healthz and /readyz, and the app at "/". It always
// runs in production mode: a deployed page never hands out a token.
//
// The health answers have the same JSON shape as shared/runtime.Health; that package is not
// imported because it links the Postgres driver, which a static function does not need.
func New(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	status := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("GET /healthz", status(`{"status":"ok"}`+"\n"))
	// The app is compiled in and the function has no other dependency, so it is ready as soon
	// as it can answer.
	mux.HandleFunc("GET /readyz", status(`{"status":"ready"}`+"\n"))
	mux.Handle("/", site.Handler(site.Config{Mode: site.ModeProduction, Logger: log}))
	return mux
}

// ShutdownTimeout bounds how long in-flight requests may take after SIGTERM; Knative and
// Kubernetes wait 30 s by default before killing the pod.
const ShutdownTimeout = 10 * time.Second

// Serve answers on ln until ctx ends, then drains in-flight requests and returns nil (or the
// error that stopped the server early).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("web function listening", slog.String("addr", ln.Addr().String()))
	select {
	case err := <-done:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down http server: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving http: %w", err)
	}
	log.Info("web function stopped")
	return nil
}
