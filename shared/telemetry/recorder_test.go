package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The recorder keeps the latest traces only, and draws one as a waterfall: each span a
// row under its parent, the failed one marked.
func TestRecorderWaterfall(t *testing.T) {
	rec := NewRecorder(2)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer("test")
	var ids []string
	for i := range 3 {
		ctx, root := tr.Start(context.Background(), "POST /api/{user_id}/tasks")
		_, child := tr.Start(ctx, "INSERT tasks")
		if i == 2 {
			End(child, errors.New("duplicate key"))
		} else {
			child.End()
		}
		root.End()
		ids = append(ids, root.SpanContext().TraceID().String())
	}
	got := rec.Traces()
	if len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[1] {
		t.Fatalf("kept %d traces; want the last two, newest first", len(got))
	}
	if r := got[0].Root(); r.Name != "POST /api/{user_id}/tasks" {
		t.Errorf("root %q", r.Name)
	}
	w := httptest.NewRecorder()
	rec.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/debug/traces?id="+ids[2], nil))
	body := w.Body.String()
	post, insert := strings.Index(body, "POST /api/{user_id}/tasks"), strings.Index(body, "INSERT tasks")
	if w.Code != 200 || post < 0 || insert < post || !strings.Contains(body, "error: duplicate key") {
		t.Fatalf("waterfall (%d):\n%s", w.Code, body)
	}
	w = httptest.NewRecorder()
	rec.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/debug/traces?id="+ids[0], nil))
	if w.Code != 404 {
		t.Errorf("an evicted trace answers %d; want 404", w.Code)
	}
	w = httptest.NewRecorder()
	rec.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/debug/traces", nil))
	if !strings.Contains(w.Body.String(), "?id="+ids[1]) {
		t.Errorf("the list does not link the trace:\n%s", w.Body.String())
	}
}

func TestQueryName(t *testing.T) {
	for sql, want := range map[string]string{
		"INSERT INTO tasks AS t (user_id) VALUES ($1)":             "INSERT tasks",
		"\n\t\tSELECT t.id FROM tasks t WHERE t.id = $1":           "SELECT tasks",
		"UPDATE reminders SET status = 'x'":                        "UPDATE reminders",
		"DELETE FROM task_tags WHERE task_id = $1":                 "DELETE task_tags",
		"WITH x AS (SELECT 1 FROM outbox) UPDATE outbox SET a = 1": "UPDATE outbox",
		"begin": "BEGIN",
	} {
		if got := QueryName(sql); got != want {
			t.Errorf("QueryName(%q) = %q; want %q", sql, got, want)
		}
	}
}

// A line logged inside a span carries its trace and span ids; one outside carries none.
func TestLogHandlerAddsTrace(t *testing.T) {
	var buf strings.Builder
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("function", "x")
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "work")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	sc := span.SpanContext()
	if len(lines) != 2 || !strings.Contains(lines[0], `"trace_id":"`+sc.TraceID().String()+`"`) ||
		!strings.Contains(lines[0], `"span_id":"`+sc.SpanID().String()+`"`) || strings.Contains(lines[1], "trace_id") {
		t.Fatalf("log lines:\n%s", buf.String())
	}
}
