// Package tick is the tick-reminders function: it claims due reminders and due retries
// (FOR UPDATE SKIP LOCKED, so replicas split the work), emits reminder.triggered for each,
// cancels those whose task is done, and sweeps outbox rows the fast path left behind.
//
// It is woken by the Dapr cron binding (POST /reminder-tick), a CloudEvent (a schedule
// source), an EventBridge schedule under Lambda, or its own loop (Run), which sleeps until
// the next reminder is due so each fires within milliseconds of its time, not up to a
// sweep period late.
package tick

import (
	"context"
	"log/slog"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/runtime"
)

// Name is the function id.
const Name = "tick-reminders"

// Binding is the Dapr cron binding's name; it posts to /reminder-tick.
const Binding = "reminder-tick"

// Store is what the ticker needs of the store.
type Store interface {
	ClaimDueReminders(ctx context.Context, limit int) (postgres.TickResult, error)
	NextReminderDue(ctx context.Context) (*time.Time, error)
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// Sweeper publishes stale outbox rows (outbox.Relay).
type Sweeper interface {
	Sweep(ctx context.Context) (int, error)
}

// Ticker claims due reminders.
type Ticker struct {
	store Store
	sweep Sweeper // nil: nothing to sweep with
	now   func() time.Time
	log   *slog.Logger
	kick  chan struct{}

	// Batch is how many reminders one transaction claims. Default 5000: 10,000 due
	// reminders take two transactions (about 0.4 s on a laptop-class machine).
	Batch int
	// MaxSleep bounds Run's wait, so reminders created elsewhere are noticed that fast
	// even without a kick. Default 500ms.
	MaxSleep time.Duration
	// Retention is how long published outbox rows and processed-event records are kept.
	// Default 8 days (a day past the brokers' 7).
	Retention time.Duration

	mu        sync.Mutex // guards lastPrune: the binding and Run tick concurrently
	lastPrune time.Time
}

// New builds a ticker on the function's store; sweep may be nil.
func New(d *runtime.Deps, sweep *outbox.Relay) *Ticker {
	t := &Ticker{store: d.Store, now: d.Store.Now, log: d.Log, kick: make(chan struct{}, 1),
		Batch: 5000, MaxSleep: 500 * time.Millisecond, Retention: 8 * 24 * time.Hour}
	if sweep != nil {
		t.sweep = sweep
	}
	return t
}

// Build describes the function to the runtime's adapters: the cron binding, a CloudEvent
// handler for schedule sources, and the Run loop.
func Build(d *runtime.Deps) (runtime.EventFunction, error) {
	t := New(d, d.Relay)
	return runtime.EventFunction{
		Name:       Name,
		Handle:     t.Handle,
		Bindings:   map[string]runtime.Binding{Binding: func(ctx context.Context) error { _, err := t.Tick(ctx); return err }},
		Background: t.Run,
	}, nil
}

// Result counts what one tick did.
type Result struct {
	postgres.TickResult
	Swept int // stale outbox rows published
}

// Tick claims every due reminder, batch by batch, then sweeps the outbox (and, once an
// hour, prunes old bookkeeping).
func (t *Ticker) Tick(ctx context.Context) (Result, error) {
	var res Result
	for {
		r, err := t.store.ClaimDueReminders(ctx, t.Batch)
		res.Triggered += r.Triggered
		res.Cancelled += r.Cancelled
		if err != nil {
			return res, err
		}
		if r.Triggered+r.Cancelled < t.Batch {
			break
		}
	}
	if t.sweep != nil {
		n, err := t.sweep.Sweep(ctx)
		res.Swept = n
		if err != nil {
			// The broker may be down: reminders were claimed and wait in the outbox.
			t.log.WarnContext(ctx, "outbox sweep failed; next tick tries again", "published", n, "err", err)
		}
	}
	now := t.now()
	t.mu.Lock()
	prune := now.Sub(t.lastPrune) > time.Hour
	if prune {
		t.lastPrune = now
	}
	t.mu.Unlock()
	if prune {
		if _, err := t.store.Prune(ctx, now.Add(-t.Retention)); err != nil {
			t.log.WarnContext(ctx, "pruning old outbox rows failed", "err", err)
		}
	}
	if res.Triggered+res.Cancelled+res.Swept > 0 {
		t.log.InfoContext(ctx, "tick", "triggered", res.Triggered, "cancelled", res.Cancelled, "swept", res.Swept)
	}
	return res, nil
}

// Handle runs a tick for any event it is sent (a schedule's CloudEvent).
func (t *Ticker) Handle(ctx context.Context, _ cloudevents.Event) (*cloudevents.Event, error) {
	_, err := t.Tick(ctx)
	return nil, err
}

// Kick makes Run look again at once (a reminder was scheduled in this process).
func (t *Ticker) Kick() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Run ticks until ctx ends, sleeping until the next reminder is due (at most MaxSleep, or
// until kicked).
func (t *Ticker) Run(ctx context.Context) {
	for {
		if _, err := t.Tick(ctx); err != nil && ctx.Err() == nil {
			t.log.ErrorContext(ctx, "tick failed", "err", err)
		}
		wait := t.MaxSleep
		if next, err := t.store.NextReminderDue(ctx); err == nil && next != nil {
			wait = min(wait, max(0, next.Sub(t.now())))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-t.kick:
			timer.Stop()
		case <-timer.C:
		}
	}
}
