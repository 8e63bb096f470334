package runtime_test

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/taskline/taskline/shared/runtime"
)

// A large JSON answer is gzipped for a client that accepts it and arrives intact; a small
// one, a client without gzip, and a server-sent event stream are left alone.
func TestLargeAnswersAreCompressed(t *testing.T) {
	t.Parallel()
	big := `{"tasks":[` + strings.Repeat(`{"title":"Write the quarterly report","priority":"high"},`, 100) + `{}]}`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, big)
	})
	mux.HandleFunc("GET /small", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: delta\ndata: "+big+"\n\n")
		w.(http.Flusher).Flush()
	})
	d := runtime.NewDeps(runtime.Config{Name: "test"}, slog.New(slog.DiscardHandler), nil, nil)
	h := runtime.Handler(d, mux, nil)
	get := func(path string, gz bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if gz {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	w := get("/big", true)
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("big JSON: Content-Encoding %q, Vary %q", w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
	}
	if w.Body.Len() > len(big)/5 {
		t.Errorf("big JSON compressed to %d of %d bytes", w.Body.Len(), len(big))
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != big {
		t.Errorf("the decompressed body differs")
	}
	for _, c := range []struct {
		path string
		gz   bool
	}{{"/big", false}, {"/small", true}, {"/stream", true}} {
		if w := get(c.path, c.gz); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s (gzip accepted: %v) answered with Content-Encoding %q", c.path, c.gz, w.Header().Get("Content-Encoding"))
		}
	}
}
