// Package web serves Taskline's single-page app: the files npm builds into web/dist,
// embedded into the binary, plus /config.json, which tells the page how to sign in.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
)

// dist holds the npm build. The directory always exists (dist/.gitkeep is committed) so a
// clean clone compiles before npm has run; Handler then serves a page that says so.
//
//go:embed all:dist
var dist embed.FS

// Mode tells the page which sign-in to offer.
type Mode string

const (
	// ModeLocal is the all-in-one binary on a developer's machine: the page pre-fills the
	// dev token, so the app is usable without an identity provider.
	ModeLocal Mode = "local"
	// ModeProduction never reveals a token: people paste their own (or a proxy injects it).
	ModeProduction Mode = "production"
)

// Config is what the page learns from GET /config.json.
type Config struct {
	// Mode is ModeLocal or ModeProduction; empty means ModeProduction, the safe default.
	Mode Mode
	// DevToken is a bearer token the page pre-fills; sent only in ModeLocal.
	DevToken string
	// UserID is DevToken's subject; sent only in ModeLocal.
	UserID string
	// Logger receives the one warning about a missing build; nil means slog.Default().
	Logger *slog.Logger
}

// Handler serves the app at "/": hashed assets with a year-long cache, index.html (also for
// client-side routes) revalidated on every load, and /config.json. It answers GET and HEAD.
// Paths under /api/ that reach it are unknown API routes and get a JSON 404, never the page.
func Handler(cfg Config) http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid name, and "dist" is a constant.
		panic(fmt.Sprintf("web: opening embedded dist: %v", err))
	}
	return newHandler(cfg, sub)
}

// asset is one file of the build, ready to serve.
type asset struct {
	body  []byte
	gzip  []byte // nil when compressing does not pay
	etag  string
	ctype string
}

type handler struct {
	cfg    Config
	assets map[string]*asset // by slash path without the leading "/"
	index  *asset
	config []byte
}

func newHandler(cfg Config, fsys fs.FS) *handler {
	if cfg.Mode != ModeLocal {
		cfg.Mode = ModeProduction
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h := &handler{cfg: cfg, assets: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(path.Base(name), ".") {
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		h.assets[name] = newAsset(name, b)
		return nil
	})
	if err != nil {
		// The embedded tree is read-only memory; a failure here is a build defect.
		panic(fmt.Sprintf("web: loading embedded build: %v", err))
	}
	h.index = h.assets["index.html"]
	if h.index == nil {
		log.Warn("web app not built: serving a placeholder page; run `make web` and rebuild")
		h.index = newAsset("index.html", []byte(notBuiltPage))
	}
	pub := struct {
		Mode     Mode   `json:"mode"`
		DevToken string `json:"dev_token,omitempty"`
		UserID   string `json:"user_id,omitempty"`
	}{Mode: cfg.Mode}
	if cfg.Mode == ModeLocal {
		pub.DevToken, pub.UserID = cfg.DevToken, cfg.UserID
	}
	h.config, _ = json.Marshal(pub) // a struct of strings always marshals
	return h
}

var compressible = map[string]bool{".js": true, ".mjs": true, ".css": true, ".html": true, ".svg": true, ".json": true, ".txt": true, ".map": true, ".webmanifest": true}

var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".map":         "application/json",
}

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	ext := path.Ext(name)
	a := &asset{body: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`, ctype: contentTypes[ext]}
	if a.ctype == "" {
		a.ctype = http.DetectContentType(b)
	}
	// Compressed once at start, not per request: the build is a few hundred kilobytes.
	if compressible[ext] && len(b) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(b)                                       // writes to memory cannot fail
		_ = zw.Close()
		if buf.Len() < len(b)*9/10 {
			a.gzip = buf.Bytes()
		}
	}
	return a
}

// contentSecurityPolicy lets the page load only its own scripts and styles and talk only to
// its own origin (the API is served behind the same host).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// staticPagePolicy is for the pages beside the app (the API reference): their own inline
// styles, no scripts, nothing from elsewhere.
const staticPagePolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch {
	case p == "/config.json":
		// The dev token is in here: never cache it.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(h.config)
		return
	case p == "/api" || strings.HasPrefix(p, "/api/"):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"no such API route"},"detail":"no such API route"}` + "\n"))
		return
	}
	name := strings.TrimPrefix(p, "/")
	if a, ok := h.assets[name]; ok && name != "index.html" {
		if strings.HasPrefix(name, "assets/") {
			// Vite puts a content hash in every name under assets/: a new build is a new URL.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		h.serve(w, r, a)
		return
	}
	if a, ok := h.assets[name+".html"]; ok && name != "" && name != "index" {
		// A page of its own, such as /docs (docs.html, the API reference).
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", staticPagePolicy)
		h.serve(w, r, a)
		return
	}
	isPage := name == "" || name == "index.html"
	if !isPage && (strings.Contains(path.Base(name), ".") || strings.HasPrefix(name, "assets/")) {
		// A missing file, not a client route: answering with the page would hand HTML to a
		// <script> tag (for example an old hashed asset after a deploy).
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Frame-Options", "DENY")
	h.serve(w, r, h.index)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, a *asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	body := a.body
	if a.gzip != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hd.Set("Content-Encoding", "gzip")
			body = a.gzip
		}
	}
	// A distinct ETag per encoding, as RFC 9110 asks, so caches never mix the two.
	if hd.Get("Content-Encoding") == "gzip" {
		hd.Set("ETag", strings.TrimSuffix(a.etag, `"`)+`-gz"`)
	} else {
		hd.Set("ETag", a.etag)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (and does not refuse it
// with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Taskline: web app not built</title></head>
<body><h1>The Taskline web app has not been built</h1>
<p>Run <code>make web</code> (it runs <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>),
then rebuild and restart this binary. The API is available under <code>/api/</code> meanwhile.</p>
</body></html>
`
