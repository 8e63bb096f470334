package outbox

import (
	"context"

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
	var spans []trace.Span
	if telemetry.Tracing() {
		// Reading each event's head costs a JSON scan per message: only when spans are kept.
		spans = make([]trace.Span, len(msgs))
		for i, m := range msgs {
			h := event.HeadOf(m.Event)
			_, spans[i] = telemetry.Start(event.WithTraceParent(ctx, h.TraceParent), "publish "+m.Topic,
				trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
					attribute.String("messaging.operation.type", "send"), attribute.String("messaging.destination.name", m.Topic),
					attribute.String("messaging.message.id", h.ID), attribute.String("cloudevents.event_type", h.Type)))
		}
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
		if spans != nil {
			telemetry.End(spans[i], err)
		}
	}
	return errs
}
