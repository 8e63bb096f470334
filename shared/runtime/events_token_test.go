package runtime_test

import (
	"github.com/taskline/taskline/shared/runtime"

	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// With APP_API_TOKEN set, only daprd (which sends it as dapr-api-token) may deliver events
// or fire bindings: anyone else who reaches the pod is refused, and the handler never runs.
func TestDaprRoutesRequireTheAppToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.deps.Config.AppAPIToken = "s3cret-app-token"
	f.mux = http.NewServeMux()
	runtime.MountEvents(f.mux, f.deps, f.fn)
	_, body := structured(t, "test.ok")
	post := func(path, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/cloudevents+json")
		if token != "" {
			req.Header.Set("dapr-api-token", token)
		}
		return f.do(req)
	}
	for _, path := range []string{"/events/task-events", "/reminder-tick", "/"} {
		for _, token := range []string{"", "wrong"} {
			if rec := post(path, token); rec.Code != http.StatusUnauthorized {
				t.Errorf("POST %s with token %q: %d %s; want 401", path, token, rec.Code, rec.Body)
			}
		}
	}
	if rec := f.do(httptest.NewRequest(http.MethodGet, "/dapr/subscribe", nil)); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /dapr/subscribe without token: %d; want 401", rec.Code)
	}
	if len(f.seen) != 0 || f.ticks != 0 {
		t.Fatalf("unauthenticated calls reached the function: %d events, %d ticks", len(f.seen), f.ticks)
	}
	if rec := post("/events/task-events", "s3cret-app-token"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "SUCCESS") {
		t.Fatalf("delivery with the token: %d %s", rec.Code, rec.Body)
	}
	if rec := post("/reminder-tick", "s3cret-app-token"); rec.Code != http.StatusOK || f.ticks != 1 {
		t.Fatalf("binding with the token: %d, %d ticks", rec.Code, f.ticks)
	}
}
