package runtime

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/taskline/taskline/shared/telemetry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/uuid"

	"github.com/taskline/taskline/shared/bus"
	"github.com/taskline/taskline/shared/dapr"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/todo"
)

// EventHandler is an event function's one entry point. It returns an optional reply event
// (Taskline's functions publish through the outbox instead and return nil) and an error:
// one with code invalid or unprocessable means the event is malformed and must be
// dead-lettered, not retried; any other error means "try again later".
type EventHandler func(ctx context.Context, e cloudevents.Event) (*cloudevents.Event, error)

// Binding is an input binding's trigger (the Dapr cron binding, a schedule).
type Binding func(ctx context.Context) error

// EventFunction is what the event adapters need to know of a function.
type EventFunction struct {
	// Name is the function id, also the consumer name in processed_events and the Dapr
	// app id, e.g. "send-email".
	Name string
	// Topic is the topic it consumes ("" for none) and DeadLetterTopic where malformed
	// events go.
	Topic           string
	DeadLetterTopic string
	// Handle handles one event.
	Handle EventHandler
	// Bindings are input bindings by name, each served at POST /<name>.
	Bindings map[string]Binding
	// Background, when set, runs while the process serves (the ticker of tick-reminders).
	Background func(ctx context.Context)
}

// DaprRoute is the path Dapr delivers the function's topic to: /events/<topic>.
func (f EventFunction) DaprRoute() string { return "/events/" + f.Topic }

// outcome is what a transport should do with a delivery.
type outcome int

const (
	handled   outcome = iota // done (or deliberately ignored): acknowledge
	retry                    // transient failure: deliver again later
	malformed                // will never succeed: dead-letter, do not retry
)

func (o outcome) String() string { return [...]string{"handled", "retry", "malformed"}[o] }

// IsMalformed reports whether err says the event itself is bad (bad input is dropped and
// dead-lettered, a transient failure is retried).
func IsMalformed(err error) bool {
	c := todo.ErrorCode(err)
	return c == todo.Invalid || c == todo.Unprocessable
}

// dispatch calls Handle with the function as event source and the event's trace context,
// and classifies the result; it logs once, here.
func (f EventFunction) dispatch(ctx context.Context, d *Deps, e cloudevents.Event) (out outcome, reply *cloudevents.Event, err error) {
	ctx = event.WithSource(ctx, "/functions/"+f.Name)
	if tp, ok := e.Extensions()[event.ExtTraceParent].(string); ok {
		ctx = event.WithTraceParent(ctx, tp)
	}
	ctx, span := telemetry.Start(ctx, "process "+e.Type(), trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("messaging.operation.type", "process"), attribute.String("messaging.destination.name", f.Topic),
		attribute.String("messaging.message.id", e.ID()), attribute.String("cloudevents.event_type", e.Type()),
		attribute.String("taskline.function", f.Name)))
	start := time.Now()
	defer func() {
		telemetry.EventDuration.WithLabelValues(f.Name, e.Type(), out.String()).Observe(time.Since(start).Seconds())
		span.SetAttributes(attribute.String("taskline.outcome", out.String()))
		telemetry.End(span, err)
	}()
	if err := e.Validate(); err != nil {
		err = todo.Errorf(todo.Invalid, "event", "not a valid CloudEvent: %v", err)
		d.Log.WarnContext(ctx, "malformed event", "event_id", e.ID(), "type", e.Type(), "err", err)
		return malformed, nil, err
	}
	if err := checkData(e); err != nil {
		d.Log.WarnContext(ctx, "malformed event", "event_id", e.ID(), "type", e.Type(), "err", err)
		return malformed, nil, err
	}
	reply, err = f.Handle(ctx, e)
	switch {
	case err == nil:
		return handled, reply, nil
	case IsMalformed(err):
		d.Log.WarnContext(ctx, "malformed event", "event_id", e.ID(), "type", e.Type(), "err", err)
		return malformed, nil, err
	default:
		d.Log.ErrorContext(ctx, "handling event failed; it will be redelivered", "event_id", e.ID(), "type", e.Type(), "err", err)
		return retry, nil, err
	}
}

// checkData refuses an event whose data Taskline's handlers cannot read: every payload is
// JSON, so a datacontenttype that is not JSON (binary mode takes it from Content-Type), or
// data that does not parse, makes the event malformed: dead-lettered at once, never
// retried.
func checkData(e cloudevents.Event) error {
	data := e.Data()
	if len(data) == 0 {
		return nil
	}
	if ct := e.DataContentType(); ct != "" && !isJSONMedia(ct) {
		return todo.Errorf(todo.Invalid, "datacontenttype", "datacontenttype %q is not JSON", ct)
	}
	if !json.Valid(data) {
		return todo.Errorf(todo.Invalid, "data", "the event's data is not valid JSON")
	}
	return nil
}

// isJSONMedia reports whether a media type is JSON: application/json, or any +json type.
func isJSONMedia(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// giveUp counts a transient failure of e and reports whether it has failed
// todo.MaxPublishAttempts times: a poison event that would otherwise be redelivered
// forever (and block its partition) is then dead-lettered with its last error. When the
// count cannot be recorded (the database is down) the event is simply retried.
func (f EventFunction) giveUp(ctx context.Context, d *Deps, e cloudevents.Event, reason error) bool {
	n, err := d.Store.RecordEventFailure(ctx, f.Name, e.ID(), reason.Error())
	if err != nil || n < todo.MaxPublishAttempts {
		return false
	}
	d.Log.ErrorContext(ctx, "event failed too often; dead-lettering it", "event_id", e.ID(), "type", e.Type(), "attempts", n, "err", reason)
	return true
}

// deadLetter writes a malformed event to the function's dead letter topic through the
// outbox (so it is published like any event, exactly once per original event).
func (f EventFunction) deadLetter(ctx context.Context, d *Deps, e cloudevents.Event, reason error) error {
	if f.DeadLetterTopic == "" {
		return nil
	}
	if err := d.Store.DeadLetter(ctx, f.DeadLetterTopic, e, reason.Error()); err != nil {
		d.Log.ErrorContext(ctx, "dead-lettering failed", "event_id", e.ID(), "err", err)
		return err
	}
	telemetry.DeadLettered.WithLabelValues(f.DeadLetterTopic).Inc()
	return nil
}

// unparseable wraps bytes that are not a CloudEvent into one, so they can be dead-lettered
// and inspected like any other event.
func unparseable(name string, body []byte) cloudevents.Event {
	e := cloudevents.NewEvent()
	e.SetID(uuid.NewSHA1(uuid.NameSpaceOID, body).String())
	e.SetType("taskline.unparseable")
	e.SetSource("/functions/" + name)
	e.SetTime(time.Now().UTC())
	e.SetData(cloudevents.ApplicationJSON, map[string]string{"body_base64": base64.StdEncoding.EncodeToString(body)})
	return e
}

// CloudEventsHandler serves CloudEvents over HTTP (binary and structured content modes):
// Knative, KafkaSource, curl. It answers 200 when handled (with the reply event, if any, in
// binary mode), 400 for a malformed event after writing it to the dead letter topic itself
// (so the caller's delivery must not dead-letter it again), and 503 to ask for redelivery.
func CloudEventsHandler(d *Deps, f EventFunction) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			d.Errors.Write(w, r, todo.Errorf(todo.TooLarge, "", "the event could not be read: %v", err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		e, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			bad := todo.Errorf(todo.Invalid, "event", "the request is not a CloudEvent: %v", err)
			d.Log.WarnContext(r.Context(), "malformed event", "err", bad)
			if e := f.deadLetter(r.Context(), d, unparseable(f.Name, body), bad); e != nil {
				d.Errors.Write(w, r, e)
				return
			}
			d.Errors.Write(w, r, bad)
			return
		}
		out, reply, err := f.dispatch(r.Context(), d, *e)
		switch out {
		case handled:
			if reply == nil {
				w.WriteHeader(http.StatusOK)
				return
			}
			if err := cehttp.WriteResponseWriter(r.Context(), binding.ToMessage(reply), http.StatusOK, w); err != nil {
				d.Log.ErrorContext(r.Context(), "writing reply event", "err", err)
			}
		case malformed:
			if dl := f.deadLetter(r.Context(), d, *e, err); dl != nil {
				unavailable(w)
				return
			}
			d.Errors.Write(w, r, err)
		default:
			if f.giveUp(r.Context(), d, *e, err) {
				if dl := f.deadLetter(r.Context(), d, *e, fmt.Errorf("gave up after %d attempts: %w", todo.MaxPublishAttempts, err)); dl == nil {
					w.WriteHeader(http.StatusOK)
					return
				}
			}
			unavailable(w)
		}
	})
}

// unavailable asks a CloudEvents sender to deliver again later.
func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", RetryAfter)
	WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]string{"code": string(todo.Unavailable), "message": "try again"}})
}

// DaprStatus is a Dapr subscriber's answer.
type DaprStatus struct {
	Status string `json:"status"` // SUCCESS, RETRY or DROP
}

// DaprTopicHandler serves a Dapr subscription route. Dapr delivers structured CloudEvents;
// the answer is SUCCESS, RETRY (transient failure) or DROP (malformed: Dapr then sends the
// message to the subscription's dead letter topic, so this adapter does not).
func DaprTopicHandler(d *Deps, f EventFunction) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		e, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			d.Log.WarnContext(r.Context(), "malformed event from dapr; dropping to the dead letter topic", "err", err)
			WriteJSON(w, http.StatusOK, DaprStatus{"DROP"})
			return
		}
		switch out, _, err := f.dispatch(r.Context(), d, *e); {
		case out == handled:
			WriteJSON(w, http.StatusOK, DaprStatus{"SUCCESS"})
		case out == malformed, f.giveUp(r.Context(), d, *e, err):
			// Dapr sends a dropped message to the subscription's dead letter topic.
			WriteJSON(w, http.StatusOK, DaprStatus{"DROP"})
		default:
			WriteJSON(w, http.StatusOK, DaprStatus{"RETRY"})
		}
	})
}

// DaprSubscription is one entry of GET /dapr/subscribe.
type DaprSubscription struct {
	PubsubName      string            `json:"pubsubname"`
	Topic           string            `json:"topic"`
	Routes          map[string]string `json:"routes"`
	DeadLetterTopic string            `json:"deadLetterTopic,omitempty"`
}

// DaprSubscribeHandler answers GET /dapr/subscribe: the function's programmatic
// subscription, or none with DAPR_SUBSCRIBE=declarative (Subscription resources then).
func DaprSubscribeHandler(d *Deps, f EventFunction) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		subs := []DaprSubscription{}
		if f.Topic != "" && !daprSubscribeDeclarative() {
			subs = append(subs, DaprSubscription{PubsubName: d.Config.PubsubName, Topic: f.Topic,
				Routes: map[string]string{"default": f.DaprRoute()}, DeadLetterTopic: f.DeadLetterTopic})
		}
		WriteJSON(w, http.StatusOK, subs)
	})
}

// BindingHandler serves a Dapr input binding at POST /<name> (the cron binding posts an
// empty body). A non-2xx answer makes Dapr log the failure; the next trigger tries again.
func BindingHandler(d *Deps, f EventFunction, name string, b Binding) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := event.WithSource(r.Context(), "/functions/"+f.Name)
		if err := b(ctx); err != nil {
			d.Log.ErrorContext(ctx, "binding trigger failed", "binding", name, "err", err)
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"status": "failed"})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// MountEvents registers an event function's routes: POST / (CloudEvents), POST
// /events/<topic> (Dapr), GET /dapr/subscribe, and POST and OPTIONS /<binding> for each
// input binding (Dapr probes bindings with OPTIONS at start).
//
// With APP_API_TOKEN set (Dapr's app token: daprd sends it as dapr-api-token on every call),
// every one of these routes refuses a call without it: only the sidecar may deliver events
// or fire bindings.
func MountEvents(mux *http.ServeMux, d *Deps, f EventFunction) {
	guard := func(h http.Handler) http.Handler { return dapr.RequireAppToken(d.Config.AppAPIToken, h) }
	// Deliveries and triggers wait for the database (WhenReady); the sidecar's subscription
	// and binding probes at its start do not.
	deliver := func(h http.Handler) http.Handler { return guard(d.WhenReady(h)) }
	if f.Handle != nil {
		mux.Handle("POST /{$}", deliver(CloudEventsHandler(d, f)))
		if f.Topic != "" {
			mux.Handle("POST "+f.DaprRoute(), deliver(DaprTopicHandler(d, f)))
		}
	}
	mux.Handle("GET /dapr/subscribe", guard(DaprSubscribeHandler(d, f)))
	for name, b := range f.Bindings {
		mux.Handle("POST /"+name, deliver(BindingHandler(d, f, name, b)))
		mux.Handle("OPTIONS /"+name, guard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })))
	}
}

// InProcess adapts f to the in-process bus: a malformed event is dead-lettered and
// acknowledged, a transient failure is returned so the outbox row stays for the sweep.
func InProcess(d *Deps, f EventFunction) bus.Handler {
	return func(ctx context.Context, e cloudevents.Event) error {
		out, _, err := f.dispatch(ctx, d, e)
		switch out {
		case malformed:
			return f.deadLetter(ctx, d, e, err)
		case retry:
			return err
		}
		return nil
	}
}

// handleRecord handles one event received from a Kafka record (Lambda MSK trigger): nil
// when acknowledged (handled, or malformed and dead-lettered).
func (f EventFunction) handleRecord(ctx context.Context, d *Deps, value []byte, headers map[string][]byte) error {
	e, err := eventFromRecord(value, headers)
	if err != nil {
		bad := todo.Errorf(todo.Invalid, "event", "the record is not a CloudEvent: %v", err)
		d.Log.WarnContext(ctx, "malformed record", "err", bad)
		return f.deadLetter(ctx, d, unparseable(f.Name, value), bad)
	}
	if err := InProcess(d, f)(ctx, e); err != nil {
		if f.giveUp(ctx, d, e, err) {
			return f.deadLetter(ctx, d, e, fmt.Errorf("gave up after %d attempts: %w", todo.MaxPublishAttempts, err))
		}
		return err
	}
	return nil
}

// eventFromRecord reads a CloudEvent from a Kafka record: structured mode (the value is the
// event's JSON, as Taskline and Dapr write it) or binary mode (ce_* headers, the value is
// the data).
func eventFromRecord(value []byte, headers map[string][]byte) (cloudevents.Event, error) {
	var e cloudevents.Event
	if _, ok := headers["ce_id"]; !ok {
		err := json.Unmarshal(value, &e)
		return e, err
	}
	e = cloudevents.NewEvent()
	for k, v := range headers {
		name, ok := strings.CutPrefix(k, "ce_")
		if !ok {
			continue
		}
		switch name {
		case "id":
			e.SetID(string(v))
		case "type":
			e.SetType(string(v))
		case "source":
			e.SetSource(string(v))
		case "subject":
			e.SetSubject(string(v))
		case "specversion":
			e.SetSpecVersion(string(v))
		case "time":
			t, err := time.Parse(time.RFC3339Nano, string(v))
			if err != nil {
				return e, fmt.Errorf("ce_time: %w", err)
			}
			e.SetTime(t)
		default:
			e.SetExtension(name, string(v))
		}
	}
	ct := string(headers["content-type"])
	if ct == "" {
		ct = cloudevents.ApplicationJSON
	}
	if err := e.SetData(ct, value); err != nil {
		return e, err
	}
	return e, e.Validate()
}
