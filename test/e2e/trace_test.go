package e2e_test

import (
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/telemetry/otlptest"
)

// One trace per story across processes, daprd and Kafka, as an OpenTelemetry collector
// receives it: completing a daily task is one trace holding complete-task's HTTP span, its
// publish, spawn-next-occurrence's consume and the new instance's INSERT; scheduling a
// reminder is one trace that ends in send-email's SMTP send.
func testOneTracePerStory(t *testing.T, p *pipeline) {
	const user = "otto"
	tok := p.token(t, user, "Europe/Vienna")
	task := p.createTask(t, tok, user, map[string]any{"title": "Water the ferns", "recurrence_pattern": "daily",
		"due_date": time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)})
	p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID), nil, nil)
	if p.successor(t, tok, user, task.ID, 20*time.Second) == nil {
		t.Fatal("no next instance within 20s")
	}
	completePath := fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID)
	tr := waitTrace(t, p.otlp, func(s otlptest.Span) bool {
		return s.Service == "complete-task" && s.Attributes["url.path"] == completePath
	},
		[]want{
			{"complete-task", "POST /api/{user_id}/tasks/{id}/complete"},
			{"complete-task", "publish " + event.TopicTasks},
			{"spawn-next-occurrence", "process " + event.TaskCompleted},
			{"spawn-next-occurrence", "INSERT tasks"},
		})
	if s := find(tr, "spawn-next-occurrence", "INSERT tasks"); s != nil && s.Attributes["db.system.name"] != "postgresql" {
		t.Errorf("the INSERT span %+v is not a database client span", s)
	}

	// A reminder two seconds ahead: the ticker fires it later, in another process.
	other := p.createTask(t, tok, user, map[string]any{"title": "Ring the plumber"})
	p.call(t, "schedule-reminder", tok, "POST", "/api/"+user+"/reminders",
		map[string]any{"task_id": other.ID, "remind_at": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)}, nil)
	waitTrace(t, p.otlp, func(s otlptest.Span) bool {
		return s.Service == "schedule-reminder" && s.Attributes["url.path"] == "/api/"+user+"/reminders"
	}, []want{
		{"schedule-reminder", "POST /api/{user_id}/reminders"},
		{"tick-reminders", "publish " + event.TopicReminders},
		{"send-email", "process " + event.ReminderTriggered},
		{"send-email", "smtp send"},
	})
}

// Every function serves /metrics in the Prometheus format (read with Prometheus' own
// parser): its database pool and the RED families of what it does, with the reminder just
// delivered counted in send-email's lateness histogram.
func testMetricsOfEveryFunction(t *testing.T, p *pipeline) {
	for name, app := range p.apps {
		res, err := http.Get(app.URL + "/metrics")
		if err != nil {
			t.Fatalf("%s /metrics: %v", name, err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s /metrics does not parse: %v", name, err)
		}
		wants := []string{"db_client_connection_count", "taskline_outbox_unpublished_events", "go_goroutines"}
		switch name {
		case "spawn-next-occurrence", "send-email":
			wants = append(wants, "messaging_process_duration_seconds")
		case "tick-reminders":
			wants = append(wants, "messaging_client_sent_messages_total")
		default:
			wants = append(wants, "http_server_request_duration_seconds")
		}
		for _, w := range wants {
			if fams[w] == nil {
				t.Errorf("%s /metrics has no %s", name, w)
			}
		}
		if name == "send-email" {
			var delivered uint64
			for _, m := range fams["taskline_reminder_lateness_seconds"].GetMetric() {
				delivered += m.GetHistogram().GetSampleCount()
			}
			if delivered == 0 {
				t.Errorf("send-email's lateness histogram counted no delivered reminder")
			}
		}
	}
}

// want is a span a trace must hold: from service, its name starting with prefix.
type want struct{ service, prefix string }

// waitTrace finds the trace of the first span matching root, and waits until that trace
// holds every wanted span (each process exports its own batches, in any order).
func waitTrace(t *testing.T, r *otlptest.Receiver, root func(otlptest.Span) bool, wants []want) []otlptest.Span {
	t.Helper()
	var tr []otlptest.Span
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		all := r.Spans()
		id := ""
		for _, s := range all {
			if root(s) {
				id = s.TraceID
				break
			}
		}
		if id == "" {
			continue
		}
		tr = tr[:0]
		for _, s := range all {
			if s.TraceID == id {
				tr = append(tr, s)
			}
		}
		missing := false
		for _, w := range wants {
			missing = missing || find(tr, w.service, w.prefix) == nil
		}
		if !missing {
			return tr
		}
	}
	var others strings.Builder
	for _, s := range r.Spans() {
		if strings.HasPrefix(s.Name, "process ") || strings.HasPrefix(s.Name, "publish ") {
			fmt.Fprintf(&others, "  %s %s: %s <- %s\n", s.TraceID, s.Service, s.Name, s.Parent)
		}
	}
	t.Fatalf("the trace did not get all of %v within 30s; it has:\n%s\nevent spans received:\n%s", wants, list(tr), others.String())
	return nil
}

func find(spans []otlptest.Span, service, prefix string) *otlptest.Span {
	for i, s := range spans {
		if s.Service == service && strings.HasPrefix(s.Name, prefix) {
			return &spans[i]
		}
	}
	return nil
}

func list(spans []otlptest.Span) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "  %s: %s\n", s.Service, s.Name)
	}
	return b.String()
}
