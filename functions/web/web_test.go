package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/server"
)

// TestServesAppAndHealthOverTCP runs the function as its main does, on a real socket, and
// checks what Kubernetes and a browser see, then that SIGTERM (ctx) drains and returns.
func TestServesAppAndHealthOverTCP(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, ln, New(log), log) }()
	base := "http://" + ln.Addr().String()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	for p, want := range map[string]string{"/healthz": `{"status":"ok"}`, "/readyz": `{"status":"ready"}`} {
		if res, body := get(p); res.StatusCode != 200 || strings.TrimSpace(body) != want {
			t.Errorf("GET %s = %d %q, want %s", p, res.StatusCode, body, want)
		}
	}
	res, body := get("/")
	if res.StatusCode != 200 || !strings.Contains(body, "Taskline") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET / = %d %q %.120q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body = get("/tasks/12")
	if res.StatusCode != 200 || !strings.Contains(body, "Taskline") {
		t.Errorf("client route: %d", res.StatusCode)
	}

	// A deployed page must never hand out a token, whatever the build.
	res, body = get("/config.json")
	var cfg map[string]any
	if err := json.Unmarshal([]byte(body), &cfg); err != nil || res.StatusCode != 200 {
		t.Fatalf("config.json: %d %q %v", res.StatusCode, body, err)
	}
	if cfg["mode"] != "production" || cfg["dev_token"] != nil || cfg["user_id"] != nil {
		t.Errorf("config.json = %v, want production without token", cfg)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after shutdown", err)
		}
	case <-time.After(server.ShutdownTimeout + time.Second):
		t.Fatal("Serve did not return after ctx ended")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}
