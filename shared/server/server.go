// Package server is the HTTP plumbing every Taskline process shares: health endpoints and
// serving with a graceful shutdown. It needs nothing beyond the standard library, so even
// the static web function, which links no database driver, uses it.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long in-flight requests may take after SIGTERM; Knative and
// Kubernetes wait 30 s by default before killing the pod.
const ShutdownTimeout = 10 * time.Second

// Health registers GET /healthz (the process answers) and GET /readyz (its dependencies
// answer too: ready, which may be nil for a process without any).
func Health(mux *http.ServeMux, ready func(context.Context) error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		status(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := ready(ctx); err != nil {
				status(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
				return
			}
		}
		status(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func status(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// ListenAndServe listens on addr and serves h until ctx ends (see Serve). onListen, when
// set, is called with the bound address once the port is open.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, onListen func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	if onListen != nil {
		onListen(ln.Addr())
	}
	return Serve(ctx, ln, h, log)
}

// Limits on reading a request, against clients that open connections and trickle bytes
// (slowloris): the headers must arrive within HeaderTimeout and a body within BodyTimeout
// of the headers. They are variables so tests can shorten them.
var (
	HeaderTimeout  = 10 * time.Second
	BodyTimeout    = 30 * time.Second
	MaxHeaderBytes = 64 << 10
)

// bodyDeadline gives a request with a body BodyTimeout to deliver it: the connection's read
// deadline is set when the handler starts and lifted once the body has been read to its
// end, so a long answer (server-sent events, MCP streams) is never cut by it. A server-wide
// ReadTimeout would be: it also bounds the background read that watches for the client
// going away, and cancels the request's context when it fires.
func bodyDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(BodyTimeout)); err != nil {
			h.ServeHTTP(w, r)
			return
		}
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		h.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

type drainingKey struct{}

// StartEventStream answers 200 with the headers of a server-sent event stream that no
// cache or proxy holds back.
func StartEventStream(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
}

// Draining is closed when the server that received the request starts shutting down:
// handlers of long-lived answers (the live event stream) end on it, so a shutdown does not
// wait ShutdownTimeout for them. It is nil, never closed, outside Serve (tests'
// httptest servers), where ending the request's context does the same.
func Draining(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(drainingKey{}).(chan struct{})
	return ch
}

// Serve answers HTTP on ln until ctx ends, then drains in-flight requests for up to
// ShutdownTimeout and returns nil (or the error that stopped the server early).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	draining := make(chan struct{})
	srv := &http.Server{Handler: bodyDeadline(h), ReadHeaderTimeout: HeaderTimeout, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// A value, not a cancellation: requests in flight still finish during the drain.
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), drainingKey{}, draining)
		}}
	srv.RegisterOnShutdown(func() { close(draining) })
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving http: %w", err)
	}
	return nil
}
