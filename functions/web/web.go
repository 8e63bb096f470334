// Package web is the web function: the single-page app, embedded, behind the health
// endpoints every Taskline function has. On Kubernetes it runs as a Knative Service on the
// same host as the API, so the page calls /api/... on its own origin.
package web

import (
	"log/slog"
	"net/http"

	"github.com/taskline/taskline/shared/server"
	site "github.com/taskline/taskline/web"
)

// New returns the function's handler: GET /healthz and /readyz, and the app at "/". It always
// runs in production mode: a deployed page never hands out a token. The app is compiled in
// and the function has no other dependency, so it is ready as soon as it can answer.
func New(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	server.Health(mux, nil)
	mux.Handle("/", site.Handler(site.Config{Mode: site.ModeProduction, Logger: log}))
	return mux
}
