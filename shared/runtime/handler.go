package runtime

import (
	"net/http"
	"slices"
	"strings"

	"github.com/taskline/taskline/shared/todo"
)

// CORS preflight answers: what a browser client on another origin may send. The list is
// the same for every route, so adding a route never needs a CORS change.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	// Authorization and Content-Type for the API; the MCP and trace headers for browser MCP
	// clients and for callers that pass a trace on.
	corsHeaders = "Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, traceparent, tracestate"
	// Headers a cross-origin page may read from an answer besides the safelisted ones.
	corsExpose = "Link, Location, WWW-Authenticate, Mcp-Session-Id"
	// How long a browser may reuse a preflight (Chromium caps it at 2 hours).
	corsMaxAge = "7200"
)

// Handler wraps a process's mux with what every route gets without opting in, including
// routes mounted later:
//
//   - CORS for the origins in cfg.CORSOrigins: a preflight (OPTIONS with Origin and
//     Access-Control-Request-Method) is answered here, before any auth guard, since a
//     preflight never carries a token; answers to allowed origins carry
//     Access-Control-Allow-Origin, errors included, so a page can read a 401.
//   - a plain OPTIONS answered with 204 and the path's Allow header;
//   - unknown paths and methods answered as JSON errors (404, and 405 with a correct Allow
//     header), where net/http's ServeMux answers in text/plain;
//   - compression of larger answers for clients that accept it (Compress).
//
// Routes without a method in their pattern (such as /mcp) receive every method, OPTIONS
// without a preflight included, and answer it themselves. fallback, when not nil, answers
// the GET and HEAD requests no route matches (the web app, whose client-side routes are any
// path); it is not a mux pattern, which would turn every 405 into the page's.
func Handler(d *Deps, mux *http.ServeMux, fallback http.Handler) http.Handler {
	c := cors{origins: d.Config.CORSOrigins}
	ew := d.Errors
	return Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			c.preflight(w, r, ew)
			return
		}
		if origin != "" && c.allows(origin) {
			c.allow(w.Header(), origin)
			w.Header().Set("Access-Control-Expose-Headers", corsExpose)
		}
		if r.URL.RawQuery != "" {
			if err := CheckQuery(r.URL.RawQuery); err != nil {
				ew.Write(w, r, err)
				return
			}
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No route: the mux's answer is a 404, a 405 or a redirect to a cleaned path. Run it
		// aside to learn which, and answer the first two in the API's JSON.
		probe := &recorder{header: http.Header{}}
		h.ServeHTTP(probe, r)
		switch {
		case probe.status == http.StatusMethodNotAllowed && r.Method == http.MethodOptions:
			w.Header().Set("Allow", withOptions(probe.header.Get("Allow")))
			w.WriteHeader(http.StatusNoContent)
		case probe.status == http.StatusMethodNotAllowed:
			allow := probe.header.Get("Allow")
			w.Header().Set("Allow", allow)
			ew.Write(w, r, todo.Errorf(todo.NotAllowed, "method", "%s is not allowed on %s; it answers %s", r.Method, r.URL.Path, allow))
		case probe.status == http.StatusNotFound && fallback != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			fallback.ServeHTTP(w, r)
		case probe.status == http.StatusNotFound:
			ew.Write(w, r, todo.Errorf(todo.NotFound, "path", "no route %s %s", r.Method, r.URL.Path))
		default:
			probe.replay(w)
		}
	}))
}

// withOptions adds OPTIONS to an Allow list: the wrapper answers it on every path.
func withOptions(allow string) string {
	if allow == "" {
		return http.MethodOptions
	}
	return allow + ", " + http.MethodOptions
}

// cors holds the allowed origins: exact origins ("http://localhost:3000") or "*" for any.
type cors struct{ origins []string }

func (c cors) allows(origin string) bool {
	return slices.Contains(c.origins, "*") || slices.ContainsFunc(c.origins, func(o string) bool {
		return strings.EqualFold(o, origin)
	})
}

func (c cors) allow(h http.Header, origin string) {
	h.Add("Vary", "Origin")
	if slices.Contains(c.origins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
}

func (c cors) preflight(w http.ResponseWriter, r *http.Request, ew ErrorWriter) {
	origin := r.Header.Get("Origin")
	if !c.allows(origin) {
		// A browser only sees that the preflight failed; the body tells a person with curl why.
		ew.Write(w, r, todo.Errorf(todo.Forbidden, "origin", "origin %s may not call this API from a browser; add it to CORS_ORIGINS", origin))
		return
	}
	h := w.Header()
	c.allow(h, origin)
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Allow-Headers", corsHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
}

// ParseOrigins reads a comma-separated CORS_ORIGINS value; blanks and trailing slashes
// are dropped (a browser's Origin never has one).
func ParseOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// recorder keeps the status and headers of the mux's own not-found, not-allowed and
// redirect answers, and their body for the redirect.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	r.body = append(r.body, b...)
	return len(b), nil
}

func (r *recorder) replay(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	w.Write(r.body)
}
