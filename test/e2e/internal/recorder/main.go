// Command recorder is the stand-in application behind daprd in the harness self-test: it
// records every request Dapr delivers and answers as MODE says, so a test can see what a
// real function would have received.
//
// Environment: PORT (listen port on 127.0.0.1), MODE for subscription deliveries under
// /events/: "ok" (SUCCESS, the default), "drop" ({"status":"DROP"}) or "fail" (HTTP 500).
// Every other POST (input bindings such as /reminder-tick) is answered 200.
// GET /deliveries returns what was recorded, oldest first.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// delivery is one request received from daprd.
type delivery struct {
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	// Token is the dapr-api-token header daprd sent (APP_API_TOKEN).
	Token string          `json:"token"`
	Body  json.RawMessage `json:"body"`
	At    time.Time       `json:"at"`
}

type recorder struct {
	log  *slog.Logger
	mode string
	mu   sync.Mutex
	got  []delivery
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	r := &recorder{log: log, mode: os.Getenv("MODE")}
	if r.mode == "" {
		r.mode = "ok"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	// Subscriptions are declarative (infra/dapr): the programmatic list must stay empty.
	mux.HandleFunc("GET /dapr/subscribe", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	})
	mux.HandleFunc("GET /deliveries", r.list)
	mux.HandleFunc("POST /", r.record)

	addr := net.JoinHostPort("127.0.0.1", os.Getenv("PORT"))
	log.Info("recorder listening", "addr", addr, "mode", r.mode, "app_id", os.Getenv("APP_ID"))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	// Stop like a real function: SIGTERM drains in-flight requests and exits 0, so the
	// harness can tell a clean stop from a crash.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serving", "err", err)
		os.Exit(1)
	}
	log.Info("recorder stopped")
}

func (r *recorder) record(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "reading body", http.StatusBadRequest)
		return
	}
	if !json.Valid(body) {
		// Keep non-JSON bodies visible to the test instead of failing the JSON listing.
		body, _ = json.Marshal(string(body))
	}
	r.mu.Lock()
	r.got = append(r.got, delivery{Path: req.URL.Path, ContentType: req.Header.Get("Content-Type"), Token: req.Header.Get("dapr-api-token"), Body: body, At: time.Now()})
	r.mu.Unlock()
	r.log.Info("delivery", "path", req.URL.Path, "mode", r.mode)

	if !strings.HasPrefix(req.URL.Path, "/events/") {
		w.WriteHeader(http.StatusOK)
		return
	}
	switch r.mode {
	case "drop":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"DROP"}`)
	case "fail":
		http.Error(w, "recorder told to fail", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"SUCCESS"}`)
	}
}

func (r *recorder) list(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	got := r.got
	if got == nil {
		got = []delivery{}
	}
	_ = json.NewEncoder(w).Encode(got)
}
