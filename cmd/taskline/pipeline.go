package main

// The event half of the local binary, in process:
//
//	stop, err := startPipeline(ctx, d, pipelineConfig{MailDir: filepath.Join(dataDir, "mail")})
//
// called after runtime.Open (with cfg.Publisher "inproc") and before serving; call stop()
// on shutdown, before the store's pool closes. It wires the in-process bus as the
// publisher of every outbox row (through a relay on a pool of its own), subscribes
// spawn-next-occurrence to task-events and send-email to reminder-events, and runs the
// tick-reminders loop, which also sweeps rows the fast path left behind. Mail goes to
// SMTP_URL, or to the local sink: one .eml file per message in MailDir and a log line.

import (
	"context"
	"fmt"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	sendemail "github.com/taskline/taskline/functions/send-email"
	spawn "github.com/taskline/taskline/functions/spawn-next-occurrence"
	tick "github.com/taskline/taskline/functions/tick-reminders"
	"github.com/taskline/taskline/shared/bus"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/runtime"
)

// relayWorkers is how many outbox rows the local binary publishes (and so how many emails it
// sends, and next occurrences it spawns) at once. Its pool is sized to match; the main pool
// (localPoolSize in main.go) leaves room for them and for HTTP requests.
const relayWorkers = 8

// pipelineConfig configures the in-process pipeline.
type pipelineConfig struct {
	// MailDir is the local mail sink, used when SMTP_URL is not set (e.g. ./.data/mail).
	MailDir string
}

// startPipeline starts the in-process event pipeline; see the top of this file.
func startPipeline(ctx context.Context, d *runtime.Deps, cfg pipelineConfig) (stop func(), err error) {
	var sender mail.Sender = mail.Dir{Path: cfg.MailDir, Log: d.Log}
	if d.Config.SMTPURL != "" {
		if sender, err = mail.NewSMTP(d.Config.SMTPURL); err != nil {
			return nil, err
		}
	}
	// The bus runs consumers inside Publish, and a flush holds a connection while it
	// publishes: the relay gets its own pool so consumers never wait on it.
	pc := d.Store.Pool().Config()
	pc.MaxConns = relayWorkers
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("opening the relay's connection pool: %w", err)
	}
	relayStore := postgres.New(pool)
	relayStore.Now = d.Store.Now

	b := bus.NewLocal()
	// Each worker runs the consumers of the rows it publishes, and send-email holds its
	// reminder's row lock while it talks SMTP: the workers are the pipeline's concurrency.
	relay := runtime.UsePublisher(d, relayStore, b, outbox.Options{Workers: relayWorkers})
	ticker := tick.New(d, relay)
	b.Subscribe(event.TopicTasks, spawn.Name, runtime.InProcess(d, spawn.New(d).EventFunction()))
	b.Subscribe(event.TopicReminders, sendemail.Name, runtime.InProcess(d, sendemail.New(d, sender).EventFunction()))
	// A reminder scheduled now may be due before the ticker's next look.
	b.Subscribe(event.TopicReminders, tick.Name, func(_ context.Context, e cloudevents.Event) error {
		if e.Type() == event.ReminderScheduled {
			ticker.Kick()
		}
		return nil
	})
	for _, topic := range []string{event.TopicTasksDLQ, event.TopicRemindersDLQ} {
		b.Subscribe(topic, "log", func(ctx context.Context, e cloudevents.Event) error {
			d.Log.WarnContext(ctx, "event dead-lettered", "topic", topic, "event_id", e.ID(), "type", e.Type(),
				"error", e.Extensions()[postgres.ExtDeadLetterError])
			return nil
		})
	}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); ticker.Run(runCtx) }()
	d.Log.Info("event pipeline running in process", "mail", mailTarget(d.Config.SMTPURL, cfg.MailDir))
	return func() {
		cancel()
		wg.Wait()
		relay.Close()
		d.Store.OnCommit, d.Store.PublishLease = nil, 0
		pool.Close()
	}, nil
}

func mailTarget(smtpURL, dir string) string {
	if smtpURL != "" {
		return "smtp"
	}
	return "sink " + dir
}
