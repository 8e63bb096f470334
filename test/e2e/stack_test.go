package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/taskline/taskline/test/e2e"
	"github.com/twmb/franz-go/pkg/kgo"
)

const recorderPkg = "github.com/taskline/taskline/test/e2e/internal/recorder"

// delivery mirrors what internal/recorder records.
type delivery struct {
	Path        string          `json:"path"`
	ContentType string          `json:"content_type"`
	Token       string          `json:"token"`
	Body        json.RawMessage `json:"body"`
}

// cloudEvent is the part of a structured CloudEvent (shaped as the README's event contract) the tests
// compare.
type cloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Source          string          `json:"source"`
	Subject         string          `json:"subject"`
	DataContentType string          `json:"datacontenttype"`
	UserID          string          `json:"userid"`
	SchemaVersion   string          `json:"schemaversion"`
	Data            json.RawMessage `json:"data"`
}

func newEvent(t *testing.T, userID string) (cloudEvent, []byte) {
	t.Helper()
	ce := cloudEvent{
		SpecVersion:     "1.0",
		ID:              rand.Text(),
		Type:            "task.completed",
		Source:          "/functions/complete-task",
		Subject:         "tasks/42",
		DataContentType: "application/json",
		UserID:          userID,
		SchemaVersion:   "1.0",
		Data:            json.RawMessage(`{"task_id":"42","title":"water the plants"}`),
	}
	b, err := json.Marshal(ce)
	if err != nil {
		t.Fatal(err)
	}
	return ce, b
}

// deliveries asks the recorder behind app what daprd delivered to it.
func deliveries(t *testing.T, app *e2e.App, path string) []delivery {
	t.Helper()
	resp, err := http.Get(app.URL + "/deliveries")
	if err != nil {
		t.Fatalf("listing deliveries of %s: %v", app.ID, err)
	}
	defer resp.Body.Close()
	var all []delivery
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatalf("decoding deliveries of %s: %v", app.ID, err)
	}
	var out []delivery
	for _, d := range all {
		if d.Path == path {
			out = append(out, d)
		}
	}
	return out
}

// waitDeliveries polls until at least n deliveries to path arrived at app.
func waitDeliveries(t *testing.T, app *e2e.App, path string, n int, timeout time.Duration) []delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := deliveries(t, app, path)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s got %d deliveries on %s within %s, want >= %d", app.ID, len(got), path, timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func hasID(id string) func(*kgo.Record) bool {
	return func(r *kgo.Record) bool {
		var ce cloudEvent
		return json.Unmarshal(r.Value, &ce) == nil && ce.ID == id
	}
}

// A CloudEvent published through one daprd reaches the app behind another daprd through
// the Kafka pubsub component and the declarative subscription, unchanged, and is keyed by
// the partition key on the topic.
func TestPublishedEventReachesSubscriber(t *testing.T) {
	t.Parallel()
	s := e2e.Start(t, e2e.Options{})
	rec := e2e.Build(t, recorderPkg)
	sub := s.StartApp("spawn-next-occurrence", rec)
	pub := s.StartApp("create-task", rec)

	want, body := newEvent(t, "user-42")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pub.Publish(ctx, "task-events", body, "user-42"); err != nil {
		t.Fatal(err)
	}

	got := waitDeliveries(t, sub, "/events/task-events", 1, 30*time.Second)
	if len(got) != 1 {
		t.Fatalf("subscriber got %d deliveries, want exactly 1", len(got))
	}
	// API tokens in both directions: daprd delivered with the app's token, and refuses a
	// publish that does not carry its own.
	if got[0].Token != sub.AppToken {
		t.Errorf("daprd delivered with dapr-api-token %q, want APP_API_TOKEN %q", got[0].Token, sub.AppToken)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, pub.DaprHTTPURL+"/v1.0/publish/pubsub/task-events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Error(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("daprd answered a publish without DAPR_API_TOKEN with %s, want 401", resp.Status)
		}
	}
	var ce cloudEvent
	if err := json.Unmarshal(got[0].Body, &ce); err != nil {
		t.Fatalf("delivered body is not a CloudEvent: %v: %s", err, got[0].Body)
	}
	// Dapr may add attributes (topic, pubsubname, traceparent); ours must arrive unchanged.
	gotData, wantData := ce.Data, want.Data
	ce.Data, want.Data = nil, nil
	if !reflect.DeepEqual(ce, want) {
		t.Errorf("delivered event attributes = %+v\nwant %+v", ce, want)
	}
	var gd, wd map[string]any
	if err := json.Unmarshal(gotData, &gd); err != nil {
		t.Fatalf("delivered data %s: %v", gotData, err)
	}
	_ = json.Unmarshal(wantData, &wd)
	if gd["task_id"] != wd["task_id"] || gd["title"] != wd["title"] || len(gd) != len(wd) {
		t.Errorf("delivered data = %v, want %v", gd, wd)
	}

	r := s.WaitRecord(t, "task-events", 10*time.Second, hasID(want.ID))
	if string(r.Key) != "user-42" {
		t.Errorf("record key on task-events = %q, want the partition key user-42", r.Key)
	}
}

// An event the subscriber answers with DROP is not retried and lands, with its id, on the
// subscription's dead letter topic.
func TestDroppedEventLandsOnDeadLetterTopic(t *testing.T) {
	t.Parallel()
	s := e2e.Start(t, e2e.Options{})
	rec := e2e.Build(t, recorderPkg)
	sub := s.StartApp("spawn-next-occurrence", rec, "MODE=drop")
	pub := s.StartApp("create-task", rec)

	want, body := newEvent(t, "user-7")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pub.Publish(ctx, "task-events", body, "user-7"); err != nil {
		t.Fatal(err)
	}

	s.WaitRecord(t, "dlq.task-events", 30*time.Second, hasID(want.ID))
	if n := len(deliveries(t, sub, "/events/task-events")); n != 1 {
		t.Errorf("a dropped event was delivered %d times, want 1 (DROP must not be retried)", n)
	}
}

// An event the subscriber keeps failing (HTTP 500) is retried under the resiliency policy
// of infra/dapr and then dead-lettered, so it does not block its partition forever.
func TestFailingEventIsRetriedThenDeadLettered(t *testing.T) {
	t.Parallel()
	s := e2e.Start(t, e2e.Options{})
	rec := e2e.Build(t, recorderPkg)
	sub := s.StartApp("spawn-next-occurrence", rec, "MODE=fail")
	pub := s.StartApp("create-task", rec)

	want, body := newEvent(t, "user-9")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pub.Publish(ctx, "task-events", body, "user-9"); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	s.WaitRecord(t, "dlq.task-events", 5*time.Minute, hasID(want.ID))
	n := len(deliveries(t, sub, "/events/task-events"))
	t.Logf("failing event dead-lettered after %d deliveries in %s", n, time.Since(start).Round(time.Second))
	if n < 2 {
		t.Errorf("failing event was delivered %d times before dead-lettering, want retries (>= 2)", n)
	}
}

// The cron input binding `reminder-tick` of infra/dapr makes daprd POST /reminder-tick to
// the tick-reminders app on its schedule, again and again.
func TestCronBindingPostsReminderTick(t *testing.T) {
	t.Parallel()
	s := e2e.Start(t, e2e.Options{})
	app := s.StartApp("tick-reminders", e2e.Build(t, recorderPkg))
	waitDeliveries(t, app, "/reminder-tick", 2, 30*time.Second)

	// Stop ends both processes cleanly: nothing answers on their ports afterwards.
	if err := app.Stop(); err != nil {
		t.Fatalf("stopping tick-reminders: %v", err)
	}
	for _, u := range []string{app.URL + "/healthz", app.DaprHTTPURL + "/v1.0/healthz"} {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s answered %s after Stop", u, resp.Status)
		}
	}
}

// The stack's Postgres is reachable from an app through DATABASE_URL.
func TestStackPostgres(t *testing.T) {
	t.Parallel()
	s := e2e.Start(t, e2e.Options{Postgres: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DatabaseURL())
	if err != nil {
		t.Fatalf("connecting to the stack's postgres %q: %v", s.DatabaseURL(), err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT 41 + 1").Scan(&n); err != nil || n != 42 {
		t.Fatalf("querying the stack's postgres: got %d, %v", n, err)
	}
}
