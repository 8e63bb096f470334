package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
)

// servePprof serves Go's profiles on PPROF_ADDR (e.g. 127.0.0.1:6060) when it is set, on a
// listener of its own so the profiles are never reachable through the API port.
func servePprof(log *slog.Logger) {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Warn("pprof server stopped", "addr", addr, "err", err)
		}
	}()
}
