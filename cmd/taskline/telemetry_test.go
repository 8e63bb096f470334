package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/shared/todo"
)

// TestOneTracePerStory: with tracing on, completing a daily task is one trace, from the
// caller's traceparent through the complete request, the publish, spawn-next-occurrence's
// consume and the new instance's INSERT; scheduling a reminder and the email it causes
// (seconds later, from the ticker) are one trace ending in the SMTP send. /metrics then
// holds the families an operator watches, and the lateness histogram counts the email.
//
// Not parallel: it installs the process's tracer provider.
func TestOneTracePerStory(t *testing.T) {
	l := startLocal(t, "Europe/Berlin")
	rec := telemetry.NewRecorder(1000)
	flush, err := runtime.Observe(context.Background(), l.api.Deps, rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flush(context.Background()) })

	// A recurring task completed under the caller's trace.
	const completeTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	var task todo.Task
	l.api.Do(l.user, "POST", l.path("/tasks"), map[string]any{"title": "Water the plants", "recurrence_pattern": "daily",
		"due_date": time.Now().Add(time.Hour).Format(time.RFC3339)}).Expect(t, 201).Decode(t, &task)
	l.api.DoHeader(l.user, "POST", l.path("/tasks/%d/complete", task.ID), nil,
		http.Header{"Traceparent": {"00-" + completeTrace + "-00f067aa0ba902b7-01"}}).Expect(t, 200)
	// Wait for every span asserted below: the consume's ends after the handler's metrics,
	// and the in-process bus ends the publish's after the consumer.
	tr := waitTrace(t, rec, completeTrace, func(tr telemetry.Trace) bool {
		return has(tr, "INSERT tasks", "process ") != nil && has(tr, "process ", event.TaskCompleted) != nil &&
			has(tr, "publish "+event.TopicTasks, "") != nil
	})
	complete := has(tr, "POST /api/{user_id}/tasks/{id}/complete", "")
	publish := has(tr, "publish "+event.TopicTasks, "")
	process := has(tr, "process ", event.TaskCompleted)
	insert := has(tr, "INSERT tasks", "process ")
	if complete == nil || publish == nil || process == nil || insert == nil {
		t.Fatalf("the completion's trace lacks a span: complete %v, publish %v, consume %v, insert %v\n%s",
			complete != nil, publish != nil, process != nil, insert != nil, names(tr))
	}
	if complete.Parent != "00f067aa0ba902b7" {
		t.Errorf("the request's span has parent %q; want the caller's span", complete.Parent)
	}
	if !descends(tr, *process, complete.ID) {
		t.Errorf("the consumer's span does not descend from the request's:\n%s", names(tr))
	}

	// A reminder one second ahead, scheduled under another trace; the ticker fires it later.
	const remindTrace = "0af7651916cd43dd8448eb211c80319c"
	var other todo.Task
	l.api.Do(l.user, "POST", l.path("/tasks"), map[string]any{"title": "Call the bank"}).Expect(t, 201).Decode(t, &other)
	l.api.DoHeader(l.user, "POST", l.path("/reminders"), map[string]any{"task_id": other.ID,
		"remind_at": time.Now().Add(time.Second).Format(time.RFC3339Nano)},
		http.Header{"Traceparent": {"00-" + remindTrace + "-b7ad6b7169203331-01"}}).Expect(t, 201)
	if got := l.smtp.Wait(1, 10*time.Second); len(got) != 1 {
		t.Fatalf("%d emails; want the reminder's", len(got))
	}
	tr = waitTrace(t, rec, remindTrace, func(tr telemetry.Trace) bool {
		return has(tr, "smtp send", "") != nil && has(tr, "process ", event.ReminderTriggered) != nil &&
			has(tr, "POST /api/{user_id}/reminders", "") != nil
	})
	if has(tr, "POST /api/{user_id}/reminders", "") == nil || has(tr, "process ", event.ReminderTriggered) == nil {
		t.Errorf("the reminder's trace lacks the scheduling request or send-email's consume:\n%s", names(tr))
	}

	// The traces page lists both.
	page := httptest.NewRecorder()
	rec.Handler().ServeHTTP(page, httptest.NewRequest("GET", "/debug/traces", nil))
	if !strings.Contains(page.Body.String(), completeTrace) || !strings.Contains(page.Body.String(), remindTrace) {
		t.Errorf("/debug/traces does not link both traces")
	}
	page = httptest.NewRecorder()
	rec.Handler().ServeHTTP(page, httptest.NewRequest("GET", "/debug/traces?id="+remindTrace, nil))
	if !strings.Contains(page.Body.String(), "smtp send") {
		t.Errorf("the reminder's waterfall has no smtp send row:\n%s", page.Body.String())
	}

	// Metrics, read with Prometheus' own parser.
	fams := scrape(t)
	for _, name := range []string{"http_server_request_duration_seconds", "messaging_process_duration_seconds",
		"messaging_client_sent_messages_total", "taskline_outbox_unpublished_events", "taskline_outbox_oldest_unpublished_age_seconds",
		"taskline_reminder_lateness_seconds", "taskline_emails_total", "taskline_tasks_spawned_total", "db_client_connection_count",
		"db_client_connection_max"} {
		if fams[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if c := sample(fams, "http_server_request_duration_seconds", "http_route", "/api/{user_id}/tasks/{id}/complete"); c == nil || c.GetHistogram().GetSampleCount() < 1 {
		t.Errorf("no request duration for the complete route (labels must be route patterns)")
	}
	if c := sample(fams, "taskline_reminder_lateness_seconds", "", ""); c == nil || c.GetHistogram().GetSampleCount() < 1 {
		t.Errorf("the lateness histogram did not count the delivered reminder")
	}
	if c := sample(fams, "taskline_emails_total", "outcome", "sent"); c == nil || c.GetCounter().GetValue() < 1 {
		t.Errorf("emails sent not counted")
	}
	if c := sample(fams, "taskline_tasks_spawned_total", "", ""); c == nil || c.GetCounter().GetValue() < 1 {
		t.Errorf("next instances not counted")
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v := lp.GetValue(); v == l.user || strings.Contains(v, "/"+l.user+"/") || strings.Contains(v, fmt.Sprintf("/%d/", task.ID)) {
					t.Errorf("%s has a label naming a user or a task: %s=%q", name, lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

// waitTrace waits for the recorder to hold the trace with ok true.
func waitTrace(t *testing.T, rec *telemetry.Recorder, id string, ok func(telemetry.Trace) bool) telemetry.Trace {
	t.Helper()
	var last telemetry.Trace
	done := rec.Wait(10*time.Second, func(traces []telemetry.Trace) bool {
		for _, tr := range traces {
			if tr.ID == id {
				last = tr
				return ok(tr)
			}
		}
		return false
	})
	if !done {
		t.Fatalf("trace %s did not complete in 10s; it has:\n%s", id, names(last))
	}
	return last
}

// has finds a span whose name starts with prefix and contains (or, for "process "
// spans, whose ancestor is one named so) what.
func has(tr telemetry.Trace, prefix, what string) *telemetry.Span {
	for i, s := range tr.Spans {
		if !strings.HasPrefix(s.Name, prefix) {
			continue
		}
		switch {
		case what == "":
			return &tr.Spans[i]
		case strings.HasPrefix(s.Name, "process ") && strings.Contains(s.Name, what):
			return &tr.Spans[i]
		case !strings.HasPrefix(s.Name, "process ") && ancestorNamed(tr, s, what):
			return &tr.Spans[i]
		}
	}
	return nil
}

func ancestorNamed(tr telemetry.Trace, s telemetry.Span, prefix string) bool {
	for p := parentOf(tr, s); p != nil; p = parentOf(tr, *p) {
		if strings.HasPrefix(p.Name, prefix) {
			return true
		}
	}
	return false
}

func descends(tr telemetry.Trace, s telemetry.Span, ancestor string) bool {
	for p := parentOf(tr, s); p != nil; p = parentOf(tr, *p) {
		if p.ID == ancestor {
			return true
		}
	}
	return false
}

func parentOf(tr telemetry.Trace, s telemetry.Span) *telemetry.Span {
	for i, p := range tr.Spans {
		if p.ID == s.Parent {
			return &tr.Spans[i]
		}
	}
	return nil
}

func names(tr telemetry.Trace) string {
	var b strings.Builder
	for _, s := range tr.Spans {
		fmt.Fprintf(&b, "  %s (%s <- %s)\n", s.Name, s.ID, s.Parent)
	}
	return b.String()
}

func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	telemetry.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// sample is the family's first metric with label=value (any, when label is "").
func sample(fams map[string]*dto.MetricFamily, name, label, value string) *dto.Metric {
	for _, m := range fams[name].GetMetric() {
		if label == "" {
			return m
		}
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && lp.GetValue() == value {
				return m
			}
		}
	}
	return nil
}
