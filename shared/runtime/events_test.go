package runtime_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is an event function that succeeds on type "test.ok", finds "test.bad"
// malformed and fails transiently on "test.fail", recording what it saw.
type fixture struct {
	deps  *runtime.Deps
	store *postgres.Store
	fn    runtime.EventFunction
	mux   *http.ServeMux

	mu      sync.Mutex
	seen    []cloudevents.Event
	sources []string
	ticks   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := pgtest.Store(t)
	f := &fixture{store: s}
	f.deps = runtime.NewDeps(runtime.Config{Name: "probe", PubsubName: "pubsub"}, slog.New(slog.NewTextHandler(io.Discard, nil)), s, nil)
	f.fn = runtime.EventFunction{Name: "probe", Topic: event.TopicTasks, DeadLetterTopic: event.TopicTasksDLQ,
		Handle: func(ctx context.Context, e cloudevents.Event) (*cloudevents.Event, error) {
			f.mu.Lock()
			f.seen = append(f.seen, e)
			f.sources = append(f.sources, event.Source(ctx))
			f.mu.Unlock()
			switch e.Type() {
			case "test.bad":
				return nil, todo.Errorf(todo.Invalid, "data", "bad payload")
			case "test.fail":
				return nil, errors.New("database unavailable")
			}
			return nil, nil
		},
		Bindings: map[string]runtime.Binding{"reminder-tick": func(context.Context) error {
			f.mu.Lock()
			f.ticks++
			f.mu.Unlock()
			return nil
		}},
	}
	f.mux = http.NewServeMux()
	server.Health(f.mux, s.Ping)
	runtime.MountEvents(f.mux, f.deps, f.fn)
	return f
}

func (f *fixture) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) deadLetters(t *testing.T) []outboxtest.Event {
	var out []outboxtest.Event
	for _, e := range outboxtest.Drain(t, f.store) {
		if e.Topic == event.TopicTasksDLQ {
			out = append(out, e)
		}
	}
	return out
}

func structured(t *testing.T, typ string) (cloudevents.Event, []byte) {
	t.Helper()
	e, err := event.New(context.Background(), typ, "tasks/1", "u1", time.Now(), map[string]int{"task_id": 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return e, b
}

func TestCloudEventsHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Binary mode: attributes in ce- headers, data in the body.
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"task_id":7}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ce-specversion", "1.0")
	req.Header.Set("ce-id", "b-1")
	req.Header.Set("ce-type", "test.ok")
	req.Header.Set("ce-source", "/curl")
	req.Header.Set("ce-userid", "u1")
	if rec := f.do(req); rec.Code != http.StatusOK {
		t.Fatalf("binary mode: %d %s", rec.Code, rec.Body)
	}
	// Structured mode.
	e, body := structured(t, "test.ok")
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	if rec := f.do(req); rec.Code != http.StatusOK {
		t.Fatalf("structured mode: %d %s", rec.Code, rec.Body)
	}
	f.mu.Lock()
	if len(f.seen) != 2 || f.seen[0].ID() != "b-1" || string(f.seen[0].Data()) != `{"task_id":7}` || event.UserID(f.seen[0]) != "u1" ||
		f.seen[1].ID() != e.ID() || f.sources[0] != "/functions/probe" {
		t.Fatalf("handler saw %v (sources %v)", f.seen, f.sources)
	}
	f.mu.Unlock()

	// Transient failure: ask for redelivery.
	_, body = structured(t, "test.fail")
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	if rec := f.do(req); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("transient failure answered %d; want 503", rec.Code)
	}
	// Malformed: 400, and dead-lettered by the function itself.
	bad, body := structured(t, "test.bad")
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	if rec := f.do(req); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "bad payload") {
		t.Fatalf("malformed event answered %d %s; want 400 naming the problem", rec.Code, rec.Body)
	}
	// Not a CloudEvent at all.
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`hello`))
	req.Header.Set("Content-Type", "text/plain")
	if rec := f.do(req); rec.Code != http.StatusBadRequest {
		t.Fatalf("garbage answered %d; want 400", rec.Code)
	}
	dl := f.deadLetters(t)
	if len(dl) != 2 {
		t.Fatalf("%d dead letters; want 2", len(dl))
	}
	if id, _ := dl[0].Extensions()[postgres.ExtOriginalID].(string); id != bad.ID() || !strings.Contains(dl[0].Extensions()[postgres.ExtDeadLetterError].(string), "bad payload") {
		t.Fatalf("first dead letter %v", dl[0])
	}
	var raw map[string]string
	json.Unmarshal(dl[1].Data(), &raw)
	if b, _ := base64.StdEncoding.DecodeString(raw["body_base64"]); string(b) != "hello" {
		t.Fatalf("unparseable body kept as %q", raw["body_base64"])
	}
}

func TestDaprAdapters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for typ, want := range map[string]string{"test.ok": "SUCCESS", "test.fail": "RETRY", "test.bad": "DROP"} {
		_, body := structured(t, typ)
		req := httptest.NewRequest(http.MethodPost, "/events/task-events", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/cloudevents+json")
		rec := f.do(req)
		var got runtime.DaprStatus
		json.Unmarshal(rec.Body.Bytes(), &got)
		if rec.Code != http.StatusOK || got.Status != want {
			t.Errorf("%s: %d %s; want 200 %s", typ, rec.Code, rec.Body, want)
		}
	}
	// DROP leaves dead-lettering to Dapr (the subscription's deadLetterTopic): no copy here.
	if dl := f.deadLetters(t); len(dl) != 0 {
		t.Fatalf("the Dapr adapter dead-lettered %d events itself", len(dl))
	}
	rec := f.do(httptest.NewRequest(http.MethodGet, "/dapr/subscribe", nil))
	var subs []runtime.DaprSubscription
	json.Unmarshal(rec.Body.Bytes(), &subs)
	if len(subs) != 1 || subs[0].PubsubName != "pubsub" || subs[0].Topic != "task-events" ||
		subs[0].Routes["default"] != "/events/task-events" || subs[0].DeadLetterTopic != "dlq.task-events" {
		t.Fatalf("/dapr/subscribe: %s", rec.Body)
	}
	// Input binding: Dapr probes with OPTIONS, the cron posts.
	if rec := f.do(httptest.NewRequest(http.MethodOptions, "/reminder-tick", nil)); rec.Code != http.StatusOK {
		t.Fatalf("OPTIONS /reminder-tick: %d", rec.Code)
	}
	if rec := f.do(httptest.NewRequest(http.MethodPost, "/reminder-tick", nil)); rec.Code != http.StatusOK {
		t.Fatalf("POST /reminder-tick: %d", rec.Code)
	}
	if f.ticks != 1 {
		t.Fatalf("binding triggered %d times; want 1", f.ticks)
	}
}

func TestDaprSubscribeDeclarative(t *testing.T) {
	t.Setenv("DAPR_SUBSCRIBE", "declarative")
	f := newFixture(t)
	rec := f.do(httptest.NewRequest(http.MethodGet, "/dapr/subscribe", nil))
	if strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Fatalf("/dapr/subscribe with declarative subscriptions: %s; want []", rec.Body)
	}
}

func TestLambda(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := runtime.LambdaHandler(f.deps, f.mux, &f.fn)
	ctx := context.Background()
	call := func(payload any) (any, error) {
		b, _ := json.Marshal(payload)
		return h(ctx, b)
	}
	// Function URL: served by the same mux.
	out, err := call(events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/healthz",
		Headers:        map[string]string{"accept": "application/json"},
		RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "GET", Path: "/healthz"}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp := out.(events.LambdaFunctionURLResponse); resp.StatusCode != 200 || !strings.Contains(resp.Body, "ok") {
		t.Fatalf("GET /healthz via function URL: %+v", resp)
	}
	// A CloudEvent posted to the function URL, base64-encoded as Lambda does for binary bodies.
	_, body := structured(t, "test.ok")
	out, err = call(events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/", Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
		Headers:        map[string]string{"content-type": "application/cloudevents+json"},
		RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST", Path: "/"}}})
	if err != nil || out.(events.LambdaFunctionURLResponse).StatusCode != 200 {
		t.Fatalf("CloudEvent via function URL: %+v %v", out, err)
	}

	// MSK batch: a structured record, a binary-mode record, a malformed one.
	okEv, okBody := structured(t, "test.ok")
	badEv, badBody := structured(t, "test.bad")
	batch := events.KafkaEvent{EventSource: "aws:kafka", Records: map[string][]events.KafkaRecord{
		"task-events-0": {
			{Topic: "task-events", Value: base64.StdEncoding.EncodeToString(okBody)},
			{Topic: "task-events", Offset: 1, Value: base64.StdEncoding.EncodeToString([]byte(`{"task_id":9}`)),
				Headers: []map[string]events.JSONNumberBytes{{"ce_id": []byte("bin-1")}, {"ce_type": []byte("test.ok")},
					{"ce_source": []byte("/kafka")}, {"ce_specversion": []byte("1.0")}, {"content-type": []byte("application/json")}}},
			{Topic: "task-events", Offset: 2, Value: base64.StdEncoding.EncodeToString(badBody)},
		}}}
	f.mu.Lock()
	f.seen = nil
	f.mu.Unlock()
	if _, err := call(batch); err != nil {
		t.Fatalf("batch with a malformed record failed: %v; want it dead-lettered and the batch acknowledged", err)
	}
	f.mu.Lock()
	if len(f.seen) != 3 || f.seen[0].ID() != okEv.ID() || f.seen[1].ID() != "bin-1" || string(f.seen[1].Data()) != `{"task_id":9}` {
		t.Fatalf("handler saw %v", f.seen)
	}
	f.mu.Unlock()
	if dl := f.deadLetters(t); len(dl) != 1 || dl[0].Extensions()[postgres.ExtOriginalID] != badEv.ID() {
		t.Fatalf("dead letters %v; want the malformed record", dl)
	}
	// A transient failure fails the invocation so Lambda redelivers the batch.
	_, failBody := structured(t, "test.fail")
	fail := events.KafkaEvent{EventSource: "aws:kafka", Records: map[string][]events.KafkaRecord{
		"task-events-1": {{Topic: "task-events", Value: base64.StdEncoding.EncodeToString(failBody)}}}}
	if _, err := call(fail); err == nil {
		t.Fatal("a transient failure did not fail the invocation")
	}
	// EventBridge schedule: the bindings run.
	if _, err := call(map[string]any{"source": "aws.events", "detail-type": "Scheduled Event"}); err != nil {
		t.Fatal(err)
	}
	if f.ticks != 1 {
		t.Fatalf("schedule triggered %d ticks", f.ticks)
	}
}

func TestInProcess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := runtime.InProcess(f.deps, f.fn)
	ok, _ := structured(t, "test.ok")
	fail, _ := structured(t, "test.fail")
	bad, _ := structured(t, "test.bad")
	if err := h(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	if err := h(context.Background(), fail); err == nil {
		t.Fatal("a transient failure was acknowledged")
	}
	if err := h(context.Background(), bad); err != nil {
		t.Fatalf("a malformed event was not acknowledged: %v", err)
	}
	if dl := f.deadLetters(t); len(dl) != 1 {
		t.Fatalf("%d dead letters; want 1", len(dl))
	}
}

// A binary-mode event whose body is not JSON, or whose Content-Type is not JSON, will never
// be handled: 400 and dead-lettered once (the broken bytes kept, base64), never a 503 that
// makes the sender retry forever.
func TestBinaryModeBrokenData(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i, tc := range []struct{ ctype, body string }{
		{"application/json", `{"task_id": 7`},
		{"text/plain", `hello`},
		{"application/xml", `<task id="7"/>`},
	} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("ce-specversion", "1.0")
		req.Header.Set("ce-id", fmt.Sprintf("broken-%d", i))
		req.Header.Set("ce-type", "test.ok")
		req.Header.Set("ce-source", "/curl")
		req.Header.Set("ce-userid", "u1")
		if rec := f.do(req); rec.Code != http.StatusBadRequest {
			t.Errorf("%s %q answered %d %s; want 400", tc.ctype, tc.body, rec.Code, rec.Body)
		}
	}
	f.mu.Lock()
	if len(f.seen) != 0 {
		t.Errorf("the handler saw %d broken events", len(f.seen))
	}
	f.mu.Unlock()
	if dl := f.deadLetters(t); len(dl) != 3 {
		t.Fatalf("%d dead letters; want 3", len(dl))
	} else if string(dl[0].Data()) != `{"task_id": 7` {
		t.Errorf("dead letter keeps %q", dl[0].Data())
	}
}

// An event that keeps failing transiently is not asked for forever: after
// todo.MaxPublishAttempts deliveries it is dead-lettered with its error and acknowledged.
func TestPoisonEventIsDeadLetteredAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, body := structured(t, "test.fail")
	for i := 1; i <= todo.MaxPublishAttempts; i++ {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/cloudevents+json")
		rec := f.do(req)
		want := http.StatusServiceUnavailable
		if i == todo.MaxPublishAttempts {
			want = http.StatusOK
		}
		if rec.Code != want {
			t.Fatalf("delivery %d answered %d; want %d", i, rec.Code, want)
		}
	}
	dl := f.deadLetters(t)
	if len(dl) != 1 || !strings.Contains(dl[0].Extensions()[postgres.ExtDeadLetterError].(string), "database unavailable") {
		t.Fatalf("dead letters %v; want the poison event with its error", dl)
	}
}
