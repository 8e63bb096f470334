// Command barehttp is the cold-start baseline: a bare net/http server answering GET
// /healthz on PORT, and GET /readyz after one pgx connection to DATABASE_URL answered a
// ping (what the least a server that needs Postgres pays), shut down gracefully on SIGTERM,
// and nothing else. The benchmark builds
// it the same way as the function binaries, so the ratio of their start times is what
// Taskline's own start-up work costs.
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		conn, err := pgx.Connect(r.Context(), os.Getenv("DATABASE_URL"))
		if err == nil {
			err = conn.Ping(r.Context())
			conn.Close(r.Context())
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ready"}` + "\n"))
	})
	srv := &http.Server{Addr: ":" + os.Getenv("PORT"), Handler: mux}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
