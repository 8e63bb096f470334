package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var built = fstest.MapFS{
	"index.html":              {Data: []byte(`<!doctype html><title>Taskline</title><script type="module" src="/assets/index-abc123.js"></script>` + strings.Repeat("<!-- padding -->", 64))},
	"assets/index-abc123.js":  {Data: []byte(strings.Repeat("console.log('taskline');\n", 100))},
	"assets/index-def456.css": {Data: []byte("body{color:red}")},
	"favicon.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	".gitkeep":                {Data: nil},
	"docs.html":               {Data: []byte(`<!doctype html><title>Taskline API reference</title><style>body{margin:0}</style>`)},
	"openapi.json":            {Data: []byte(`{"openapi":"3.1.0"}`)},
}

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

func TestServesPageAssetsAndClientRoutes(t *testing.T) {
	t.Parallel()
	h := newHandler(Config{Mode: ModeLocal}, built)
	index := string(built["index.html"].Data)

	tests := []struct {
		name, target string
		status       int
		body         string
		cache        string
		ctype        string
	}{
		{"root is the page", "/", 200, index, "no-cache", "text/html; charset=utf-8"},
		{"index.html is the page", "/index.html", 200, index, "no-cache", "text/html; charset=utf-8"},
		{"client route falls back to the page", "/tasks/42", 200, index, "no-cache", "text/html; charset=utf-8"},
		{"query string is ignored", "/?status=all&tags=work", 200, index, "no-cache", "text/html; charset=utf-8"},
		{"hashed asset is cached for a year", "/assets/index-abc123.js", 200, string(built["assets/index-abc123.js"].Data), "public, max-age=31536000, immutable", "text/javascript; charset=utf-8"},
		{"css asset", "/assets/index-def456.css", 200, "body{color:red}", "public, max-age=31536000, immutable", "text/css; charset=utf-8"},
		{"unhashed file gets a short cache", "/favicon.svg", 200, `<svg xmlns="http://www.w3.org/2000/svg"/>`, "public, max-age=3600", "image/svg+xml"},
		{"old asset is a 404, not the page", "/assets/index-old.js", 404, "not found\n", "", ""},
		{"missing file with extension is a 404", "/robots.txt", 404, "not found\n", "", ""},
		{"dot files are not served", "/.gitkeep", 404, "not found\n", "", ""},
		{"path traversal stays inside", "/../../web.go", 404, "not found\n", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := do(t, h, http.MethodGet, tc.target, nil)
			if res.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.status)
			}
			if got := body(t, res); got != tc.body {
				t.Errorf("body = %.80q, want %.80q", got, tc.body)
			}
			if tc.cache != "" {
				if got := res.Header.Get("Cache-Control"); got != tc.cache {
					t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
				}
			}
			if tc.ctype != "" {
				if got := res.Header.Get("Content-Type"); got != tc.ctype {
					t.Errorf("Content-Type = %q, want %q", got, tc.ctype)
				}
			}
		})
	}
}

func TestPageCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	res := do(t, newHandler(Config{}, built), http.MethodGet, "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
}

func TestConfigJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want map[string]any
	}{
		{"local mode hands out the dev token", Config{Mode: ModeLocal, DevToken: "a.b.c", UserID: "dev"},
			map[string]any{"mode": "local", "dev_token": "a.b.c", "user_id": "dev"}},
		{"production mode never does", Config{Mode: ModeProduction, DevToken: "a.b.c", UserID: "dev"},
			map[string]any{"mode": "production"}},
		{"an unknown mode is production", Config{Mode: "staging", DevToken: "a.b.c", UserID: "dev"},
			map[string]any{"mode": "production"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := do(t, newHandler(tc.cfg, built), http.MethodGet, "/config.json", nil)
			if res.StatusCode != 200 {
				t.Fatalf("status = %d", res.StatusCode)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			var got map[string]any
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("config = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("config[%q] = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestUnknownAPIRouteIsJSON404(t *testing.T) {
	t.Parallel()
	res := do(t, newHandler(Config{}, built), http.MethodGet, "/api/dev/nothing", nil)
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil || e.Error.Code != "not_found" {
		t.Fatalf("body: %+v, %v", e, err)
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	t.Parallel()
	h := newHandler(Config{}, built)
	if res := do(t, h, http.MethodPost, "/", nil); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	res := do(t, h, http.MethodHead, "/assets/index-abc123.js", nil)
	if res.StatusCode != 200 || body(t, res) != "" {
		t.Errorf("HEAD: status %d", res.StatusCode)
	}
}

func TestGzipAndRevalidation(t *testing.T) {
	t.Parallel()
	h := newHandler(Config{}, built)
	js := string(built["assets/index-abc123.js"].Data)

	res := do(t, h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	raw := body(t, res)
	if len(raw) >= len(js) {
		t.Errorf("gzip body %d bytes is not smaller than %d", len(raw), len(js))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(raw)))
	if err != nil {
		t.Fatalf("gzip reader: %v", err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != js {
		t.Errorf("decompressed body differs")
	}

	if res := do(t, h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", res.Header.Get("Content-Encoding"))
	}

	first := do(t, h, http.MethodGet, "/", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("index.html has no ETag")
	}
	again := do(t, h, http.MethodGet, "/", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation status = %d, want 304", again.StatusCode)
	}
}

func TestPlaceholderWhenNotBuilt(t *testing.T) {
	t.Parallel()
	h := newHandler(Config{}, fstest.MapFS{".gitkeep": {}})
	res := do(t, h, http.MethodGet, "/", nil)
	if got := body(t, res); res.StatusCode != 200 || !strings.Contains(got, "make web") {
		t.Fatalf("status %d body %q", res.StatusCode, got)
	}
	// The API config still works, so a half-built checkout can be debugged.
	if res := do(t, h, http.MethodGet, "/config.json", nil); res.StatusCode != 200 {
		t.Errorf("config.json status %d", res.StatusCode)
	}
}

// TestEmbeddedBuild checks the real embedded tree: the npm build when it ran, else the
// placeholder. Either way the page must be HTML that names itself Taskline.
func TestEmbeddedBuild(t *testing.T) {
	t.Parallel()
	res := do(t, Handler(Config{}), http.MethodGet, "/", nil)
	got := body(t, res)
	if res.StatusCode != 200 || !strings.Contains(got, "Taskline") {
		t.Fatalf("status %d body %.200q", res.StatusCode, got)
	}
	if want, err := fs.ReadFile(dist, "dist/index.html"); err == nil {
		if got != string(want) {
			t.Errorf("served page differs from dist/index.html")
		}
	} else if !strings.Contains(got, "make web") {
		t.Errorf("no build and no placeholder: %.200q", got)
	}
}

// The API's description rides along with the app: /openapi.json as a file, /docs as a page
// of its own (not the app), whose inline styles its policy allows.
func TestServesAPIDescription(t *testing.T) {
	t.Parallel()
	h := newHandler(Config{}, built)
	res := do(t, h, http.MethodGet, "/docs", nil)
	if b := body(t, res); res.StatusCode != 200 || !strings.Contains(b, "API reference") {
		t.Fatalf("/docs: %d %s", res.StatusCode, b)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'unsafe-inline'") || strings.Contains(csp, "script-src") {
		t.Errorf("/docs policy %q", csp)
	}
	res = do(t, h, http.MethodGet, "/openapi.json", nil)
	if b := body(t, res); res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || !strings.Contains(b, "3.1.0") {
		t.Fatalf("/openapi.json: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	if b := body(t, do(t, h, http.MethodGet, "/index", nil)); !strings.Contains(b, "<script") {
		t.Errorf("/index is not the app: %s", b)
	}
}
