// Package event defines Taskline's CloudEvents: types, topics, payloads and a constructor
// that fills the attributes every consumer relies on (id, source, subject, time, userid,
// schemaversion, traceparent).
package event

import (
	"context"
	"encoding/json"
	"fmt"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"strconv"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"
)

// Event types.
const (
	TaskCreated          = "task.created"
	TaskUpdated          = "task.updated"
	TaskCompleted        = "task.completed"
	TaskDeleted          = "task.deleted"
	RecurringTaskCreated = "recurring.task.created"
	ReminderScheduled    = "reminder.scheduled"
	ReminderTriggered    = "reminder.triggered"
	ReminderSent         = "reminder.sent"
	ReminderFailed       = "reminder.failed"
	ReminderCancelled    = "reminder.cancelled"
)

// Topics.
const (
	TopicTasks         = "task-events"
	TopicReminders     = "reminder-events"
	TopicNotifications = "notification-events"
	TopicTasksDLQ      = "dlq.task-events"
	TopicRemindersDLQ  = "dlq.reminder-events"
)

// Extension attribute names and the schema version we write.
const (
	ExtUserID        = "userid"
	ExtSchemaVersion = "schemaversion"
	ExtTraceParent   = "traceparent"
	ExtTraceID       = "traceid"
	SchemaVersion    = "1.0"
)

// TopicOf is the topic an event type travels on.
func TopicOf(eventType string) string {
	switch eventType {
	case ReminderScheduled, ReminderTriggered, ReminderCancelled:
		return TopicReminders
	case ReminderSent, ReminderFailed:
		return TopicNotifications
	default:
		return TopicTasks
	}
}

type ctxKey int

const sourceKey ctxKey = 0

// WithSource records which function is acting, e.g. "/functions/create-task"; events built
// under ctx carry it as their source.
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey, source)
}

// WithTraceParent returns ctx with the span a W3C traceparent names (an incoming
// request's header, a consumed event's extension) as the remote parent of the spans
// started under it; an empty or malformed value changes nothing.
func WithTraceParent(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	return propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{"traceparent": tp})
}

// TraceParent is the W3C traceparent of the current span in ctx (or of the remote parent
// WithTraceParent recorded, when no span was started since), "" when there is none:
// events built under ctx carry it, so their consumers continue the same trace.
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c["traceparent"]
}

// Head is what a publisher reads of a structured-mode event without decoding its data.
type Head struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	TraceParent string `json:"traceparent"`
}

// HeadOf reads the head of a structured-mode event's JSON (zero for JSON it cannot read:
// the broker refuses such a row, not the reader).
func HeadOf(raw []byte) Head {
	var h Head
	_ = json.Unmarshal(raw, &h)
	return h
}

// Source returns the source recorded in ctx ("/functions/unknown" when none).
func Source(ctx context.Context) string {
	if s, ok := ctx.Value(sourceKey).(string); ok {
		return s
	}
	return "/functions/unknown"
}

// New builds an event of type typ about subject ("tasks/42") for userID with data as its
// JSON payload.
func New(ctx context.Context, typ, subject, userID string, at time.Time, data any) (cloudevents.Event, error) {
	e := cloudevents.NewEvent()
	e.SetID(uuid.NewString())
	e.SetType(typ)
	e.SetSource(Source(ctx))
	e.SetSubject(subject)
	e.SetTime(at.UTC())
	e.SetExtension(ExtUserID, userID)
	e.SetExtension(ExtSchemaVersion, SchemaVersion)
	if tp := TraceParent(ctx); tp != "" {
		e.SetExtension(ExtTraceParent, tp)
		// Dapr's name for the same value: daprd fills traceid and traceparent with its own
		// context when an event it publishes has no traceid, which would cut the trace.
		e.SetExtension(ExtTraceID, tp)
	}
	if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return e, fmt.Errorf("encoding %s payload: %w", typ, err)
	}
	return e, nil
}

// UserID returns the event's userid extension.
func UserID(e cloudevents.Event) string {
	s, _ := e.Extensions()[ExtUserID].(string)
	return s
}

// TaskSubject and ReminderSubject name what an event is about.
func TaskSubject(id int64) string { return TaskSubjectPrefix + strconv.FormatInt(id, 10) }

// TaskSubjectPrefix is what a task's subject is before its id.
const TaskSubjectPrefix = "tasks/"

// ReminderSubject names a reminder as an event subject.
func ReminderSubject(id int64) string { return fmt.Sprintf("reminders/%d", id) }
