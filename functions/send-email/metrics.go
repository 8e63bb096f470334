package sendemail

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/telemetry"
)

// observe counts a delivery's outcome in taskline_emails_total (sent; failed for every
// failed attempt, then retried or dead_lettered) and, for a sent email, its lateness: from
// the reminder's remind_at to the mail server accepting it.
func observe(outcome postgres.DeliveryOutcome, remindAt, accepted time.Time) {
	switch outcome {
	case postgres.DeliverySent:
		telemetry.Emails.WithLabelValues("sent").Inc()
		telemetry.ReminderLateness.WithLabelValues().Observe(max(0, accepted.Sub(remindAt)).Seconds())
	case postgres.DeliveryRetrying:
		telemetry.Emails.WithLabelValues("failed").Inc()
		telemetry.Emails.WithLabelValues("retried").Inc()
	case postgres.DeliveryFailed:
		telemetry.Emails.WithLabelValues("failed").Inc()
		telemetry.Emails.WithLabelValues("dead_lettered").Inc()
	}
}

// traced wraps a sender with a client span per message: the last span of a reminder's
// trace, whose duration is the mail server's.
type traced struct{ mail.Sender }

func (t traced) Send(ctx context.Context, m mail.Message) error {
	ctx, span := telemetry.Start(ctx, "smtp send", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("messaging.system", "smtp")))
	err := t.Sender.Send(ctx, m)
	telemetry.End(span, err)
	return err
}
