// Command barehttp is the benchmark's bare server: net/http answering GET /healthz on
// PORT, GET /readyz after one pgx connection to DATABASE_URL answered a ping (the least a
// server that needs Postgres pays), and POST /api/{user}/tasks with the single-row INSERT
// of create-task's raw baseline behind JSON in and out (no auth, no validation beyond
// decoding, no event), shut down gracefully on SIGTERM, and nothing else. The benchmark
// builds it the same way as the function binaries, so the ratio of their start times is
// what Taskline's own start-up work costs, and the ratio of its create rate to the raw
// INSERT's is what HTTP alone costs on the machine.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
	// The pool is opened by the first create, so the start measured by scenario 1 is not
	// charged for it.
	pool := sync.OnceValues(func() (*pgxpool.Pool, error) { return pgxpool.New(ctx, os.Getenv("DATABASE_URL")) })
	mux.HandleFunc("POST /api/{user}/tasks", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Title       string     `json:"title"`
			Description string     `json:"description"`
			DueDate     *time.Time `json:"due_date"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p, err := pool()
		var id int64
		if err == nil {
			err = p.QueryRow(r.Context(), `INSERT INTO tasks (user_id, title, description, priority, due_date) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				r.PathValue("user"), in.Title, in.Description, 3, in.DueDate).Scan(&id)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": id, "title": in.Title})
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
