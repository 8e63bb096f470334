package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/postgres"
)

// Deps is what a function is built from.
type Deps struct {
	Config Config
	Log    *slog.Logger
	Store  *postgres.Store
	Guard  *auth.Guard
	Errors ErrorWriter
	// Relay publishes the store's outbox; nil when nothing publishes (PUBLISHER=none).
	Relay *outbox.Relay
}

// NewDeps builds the dependencies of a function on an open store.
func NewDeps(cfg Config, log *slog.Logger, store *postgres.Store, v auth.Verifier) *Deps {
	ew := ErrorWriter{Log: log}
	return &Deps{
		Config: cfg, Log: log, Store: store, Errors: ew,
		Guard: &auth.Guard{Verifier: v, Users: store, OnError: ew.Write},
	}
}

// Verifier builds the token verifier the configuration asks for: JWKS (RS256) when
// JWT_JWKS_URL is set, else HS256 with JWT_SECRET.
func Verifier(ctx context.Context, cfg Config) (auth.Verifier, error) {
	o := auth.Options{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience}
	if cfg.JWKSURL != "" {
		return auth.JWKS(ctx, cfg.JWKSURL, o)
	}
	if cfg.JWTSecret == "" {
		return nil, errors.New("set JWT_SECRET (HS256) or JWT_JWKS_URL (RS256) to verify bearer tokens")
	}
	return auth.HS256([]byte(cfg.JWTSecret), o), nil
}

// Mount registers a function's routes on mux: API routes behind the guard, every route
// tagged with the function as event source and the caller's trace context.
func Mount(mux *http.ServeMux, d *Deps, name string, routes []Route) {
	source := "/functions/" + name
	for _, rt := range routes {
		h := rt.Handler
		if !rt.Public {
			h = d.Guard.Require(h)
		}
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := event.WithSource(r.Context(), source)
			ctx = event.WithTraceParent(ctx, r.Header.Get("traceparent"))
			inner.ServeHTTP(w, r.WithContext(ctx))
		})
		mux.Handle(rt.Pattern, h)
	}
}

// Health registers GET /healthz (the process answers) and GET /readyz (its dependencies
// answer too).
func Health(mux *http.ServeMux, ready func(context.Context) error) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// Serve answers HTTP on addr until ctx ends, then drains requests for up to 10 seconds.
// onListen, when set, is called with the bound address once the port is open.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, onListen func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	if onListen != nil {
		onListen(ln.Addr())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// Logger is the JSON logger every process writes to stderr.
func Logger(cfg Config) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})).With("function", cfg.Name)
}
