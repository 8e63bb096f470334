package runtime

import (
	"context"
	"errors"
	"github.com/taskline/taskline/shared/telemetry"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/taskline/taskline/shared/auth"
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

	mu      sync.Mutex
	mounted []Mounted

	// ready is closed once the dependencies that requests need are up (see starting): the
	// database answered and the token verifier is loaded. Nil when they were up before the
	// Deps were built (NewDeps).
	ready chan struct{}
	// notReady is why the process is not ready yet (the last error while connecting).
	notReady atomic.Pointer[error]
}

// Mounted is a route as Mount registered it, with the function that serves it.
type Mounted struct {
	Function string
	Route
}

// Mounted lists the routes mounted with d so far, in order: what GET /openapi.json
// describes.
func (d *Deps) Mounted() []Mounted {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.mounted)
}

// NewDeps builds the dependencies of a function on an open store.
func NewDeps(cfg Config, log *slog.Logger, store *postgres.Store, v auth.Verifier) *Deps {
	ew := ErrorWriter{Log: log}
	d := &Deps{
		Config: cfg, Log: log, Store: store, Errors: ew,
		Guard: &auth.Guard{Verifier: v, Users: store, OnError: ew.Write},
	}
	if store != nil {
		d.Guard.Tokens = store // personal access tokens (shared/auth/pat.go)
	}
	return d
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
// tagged with the function as event source and the caller's trace context, and held
// until the process is ready (WhenReady).
func Mount(mux *http.ServeMux, d *Deps, name string, routes []Route) {
	source := "/functions/" + name
	d.mu.Lock()
	for _, rt := range routes {
		d.mounted = append(d.mounted, Mounted{Function: name, Route: rt})
	}
	d.mu.Unlock()
	for _, rt := range routes {
		h := rt.Handler
		if !rt.Public {
			h = d.Guard.Require(h)
		}
		mux.Handle(rt.Pattern, instrument(name, rt.Pattern, source, d.WhenReady(h)))
	}
}

// Logger is the JSON logger every process writes to stderr; lines logged with a context
// inside a request or an event carry its trace_id and span_id.
func Logger(cfg Config) *slog.Logger {
	h := slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	return slog.New(telemetry.LogHandler(h)).With("function", cfg.Name)
}
