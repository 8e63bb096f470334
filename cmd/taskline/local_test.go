package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/taskline/taskline/web"
)

// Without JWT_SECRET the binary listens on loopback only, and /config.json hands the dev
// token to loopback clients that name this machine, never to the network.
func TestDevTokenStaysOnThisMachine(t *testing.T) {
	t.Parallel()
	if got := listenAddr("", 8080, true); got != "127.0.0.1:8080" {
		t.Errorf("dev mode listens on %s", got)
	}
	if got := listenAddr("", 8080, false); got != ":8080" {
		t.Errorf("with JWT_SECRET listens on %s", got)
	}
	if got := listenAddr("0.0.0.0", 8080, true); got != "0.0.0.0:8080" {
		t.Errorf("HOST is honoured: %s", got)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := loopbackOnlyDevConfig(web.Handler(web.Config{Mode: web.ModeLocal, DevToken: "a.b.c", UserID: "dev", Logger: log}),
		web.Handler(web.Config{Mode: web.ModeProduction, Logger: log}))
	for _, tc := range []struct {
		remote, host string
		token        bool
	}{
		{"127.0.0.1:5000", "localhost:8080", true},
		{"[::1]:5000", "127.0.0.1:8080", true},
		{"192.168.1.20:5000", "192.168.1.10:8080", false},
		{"127.0.0.1:5000", "evil.example.com:8080", false}, // DNS rebinding
	} {
		req := httptest.NewRequest(http.MethodGet, "/config.json", nil)
		req.RemoteAddr, req.Host = tc.remote, tc.host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var cfg struct {
			DevToken string `json:"dev_token"`
		}
		json.Unmarshal(rec.Body.Bytes(), &cfg)
		if (cfg.DevToken != "") != tc.token {
			t.Errorf("from %s to Host %s: dev token %q", tc.remote, tc.host, cfg.DevToken)
		}
	}
}
