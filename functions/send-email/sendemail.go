// Package sendemail is the send-email function: on reminder.triggered it emails the
// reminder ("Reminder: <title>", HTML and plain text, the due time in the user's zone, a
// link to the app) and emits reminder.sent. A failed send emits reminder.failed and is
// retried at +1, +5 and +15 minutes (the ticker re-triggers it); after the third failed
// retry the event goes to dlq.reminder-events with the error and the reminder is marked
// failed. Redelivered or concurrent copies of an event send nothing more.
package sendemail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Name is the function id: Dapr app id, consumer group and processed_events consumer.
const Name = "send-email"

// RetryDelays are the waits after the first, second and third failed attempt.
var RetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// Store is what the function needs of the store.
type Store interface {
	DeliverReminder(ctx context.Context, consumer string, e cloudevents.Event, reminderID int64, attempt int,
		retryDelays []time.Duration, send func(context.Context, postgres.ReminderDelivery) error) (postgres.DeliveryOutcome, error)
}

// Function sends reminder emails.
type Function struct {
	store  Store
	sender mail.Sender
	from   string
	appURL string
	log    *slog.Logger
}

// New builds the function; mail goes out through sender.
func New(d *runtime.Deps, sender mail.Sender) *Function {
	return &Function{store: d.Store, sender: traced{sender}, from: d.Config.MailFrom, appURL: d.Config.AppBaseURL, log: d.Log}
}

// Build describes the function to the runtime's adapters, with the sender the environment
// names: SMTP_URL; or SMTP_URL_SECRET=<store>/<key>, read from the Dapr secret store; or
// MAIL_DIR, a local sink directory.
func Build(d *runtime.Deps) (runtime.EventFunction, error) {
	sender, err := SenderFromEnv(context.Background(), d)
	if err != nil {
		return runtime.EventFunction{}, err
	}
	return New(d, sender).EventFunction(), nil
}

// SenderFromEnv picks the mail sender as Build describes.
func SenderFromEnv(ctx context.Context, d *runtime.Deps) (mail.Sender, error) {
	url := d.Config.SMTPURL
	if ref := os.Getenv("SMTP_URL_SECRET"); url == "" && ref != "" {
		v, err := mail.DaprSecret(ctx, d.Config.DaprGRPCPort, ref)
		if err != nil {
			return nil, err
		}
		url = strings.TrimSpace(v)
	}
	if url != "" {
		return mail.NewSMTP(url)
	}
	if dir := os.Getenv("MAIL_DIR"); dir != "" {
		return mail.Dir{Path: dir, Log: d.Log}, nil
	}
	return nil, fmt.Errorf("set SMTP_URL (or SMTP_URL_SECRET, or MAIL_DIR for a local sink) to send reminder emails")
}

// EventFunction is the function as the adapters see it: it consumes reminder-events and
// dead-letters to dlq.reminder-events.
func (f *Function) EventFunction() runtime.EventFunction {
	return runtime.EventFunction{Name: Name, Topic: event.TopicReminders, DeadLetterTopic: event.TopicRemindersDLQ, Handle: f.Handle}
}

func isType(typ, name string) bool { return typ == name || strings.HasSuffix(typ, "."+name) }

// Handle sends the email of a reminder.triggered event; other reminder events are ignored.
// Delivery failures are recorded and retried by the ticker, not by the broker, so they
// return nil; only a failure to record them returns an error (redelivery).
func (f *Function) Handle(ctx context.Context, e cloudevents.Event) (*cloudevents.Event, error) {
	if !isType(e.Type(), event.ReminderTriggered) {
		return nil, nil
	}
	var data event.ReminderTriggeredData
	if err := json.Unmarshal(e.Data(), &data); err != nil {
		return nil, todo.Errorf(todo.Invalid, "data", "reminder.triggered payload: %v", err)
	}
	if data.ReminderID <= 0 {
		return nil, todo.Errorf(todo.Invalid, "reminder_id", "reminder.triggered without a reminder_id")
	}
	var sendErr error
	var remindAt, accepted time.Time
	outcome, err := f.store.DeliverReminder(ctx, Name, e, data.ReminderID, data.Attempt, RetryDelays,
		func(ctx context.Context, r postgres.ReminderDelivery) error {
			m, err := mail.RenderReminder(mail.Reminder{ReminderID: r.ReminderID, TaskID: r.TaskID, Title: r.TaskTitle,
				DueAt: r.DueAt, RemindAt: r.RemindAt, Location: r.User.Location, AppURL: f.appURL}, f.from, r.User.Email)
			if err != nil {
				return err
			}
			remindAt = r.RemindAt
			sendErr = f.sender.Send(ctx, m)
			accepted = time.Now()
			return sendErr
		})
	if err != nil {
		return nil, err
	}
	observe(outcome, remindAt, accepted)
	log := f.log.With("event_id", e.ID(), "reminder_id", data.ReminderID, "user_id", event.UserID(e), "attempt", data.Attempt)
	switch outcome {
	case postgres.DeliverySent:
		log.InfoContext(ctx, "reminder sent")
	case postgres.DeliveryRetrying:
		log.WarnContext(ctx, "reminder email failed; will retry", "err", sendErr)
	case postgres.DeliveryFailed:
		log.ErrorContext(ctx, "reminder email failed for good; dead-lettered", "err", sendErr)
	default:
		log.DebugContext(ctx, "reminder not sent", "outcome", string(outcome))
	}
	return nil, nil
}
