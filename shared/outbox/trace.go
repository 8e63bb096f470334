package outbox

import (
	"context"
	"encoding/json"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/telemetry"
)

// traced wraps a Publisher: each message gets a producer span, a child of the span that
// wrote the event (its traceparent extension), so the publish shows in the same trace as
// the request before it and the consumer after it; and messaging_client_sent_messages_total
// counts it by topic and outcome.
type traced struct{ Publisher }

func (p traced) Publish(ctx context.Context, msgs []Message) []error {
	spans := make([]trace.Span, len(msgs))
	for i, m := range msgs {
		var head struct {
			TraceParent string `json:"traceparent"`
			Type        string `json:"type"`
			ID          string `json:"id"`
		}
		_ = json.Unmarshal(m.Event, &head) // a row the relay cannot read fails in the publisher
		_, spans[i] = telemetry.Start(event.WithTraceParent(ctx, head.TraceParent), "publish "+m.Topic,
			trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
				attribute.String("messaging.operation.type", "send"), attribute.String("messaging.destination.name", m.Topic),
				attribute.String("messaging.message.id", head.ID), attribute.String("cloudevents.event_type", head.Type)))
	}
	errs := p.Publisher.Publish(ctx, msgs)
	for i, m := range msgs {
		var err error
		if i < len(errs) {
			err = errs[i]
		}
		kind := ""
		if err != nil {
			kind = "publish_failed"
		}
		telemetry.Published.WithLabelValues(m.Topic, kind).Inc()
		telemetry.End(spans[i], err)
	}
	return errs
}
