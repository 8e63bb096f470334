// Command web serves the Taskline single-page app on PORT (default 8080), with /healthz
// and /readyz, until SIGTERM.
package main

import (
	"context"
	"github.com/klauspost/compress/gzhttp"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/taskline/taskline/functions/web"
	"github.com/taskline/taskline/shared/server"
)

func main() {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("function", "web")

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Error("listening", slog.String("port", port), slog.Any("error", err))
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// The app's script, styles and page compressed for browsers that accept it (the
	// images are compressed already; gzhttp leaves them).
	if err := server.Serve(ctx, ln, gzhttp.GzipHandler(web.New(log)), log); err != nil {
		log.Error("web function failed", slog.Any("error", err))
		os.Exit(1)
	}
}
