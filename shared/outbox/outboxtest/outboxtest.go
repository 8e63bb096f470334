// Package outboxtest reads what a test's writes put in the outbox: every unpublished row,
// as the broker would receive it, marked published so the next call returns only newer
// events.
package outboxtest

import (
	"context"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/postgres"
)

// Event is an outbox row as published: its topic and the decoded CloudEvent.
type Event struct {
	Topic string
	Key   string
	cloudevents.Event
}

// Drain publishes every unpublished outbox row to the test and returns them in order.
func Drain(t testing.TB, s *postgres.Store) []Event {
	t.Helper()
	var out []Event
	_, err := s.SweepOutbox(context.Background(), time.Now().Add(100*365*24*time.Hour), 100000,
		func(_ context.Context, msgs []postgres.OutboxMessage) []error {
			for _, m := range msgs {
				var e cloudevents.Event
				if err := e.UnmarshalJSON(m.Event); err != nil {
					t.Errorf("outbox row %d is not a CloudEvent: %v", m.ID, err)
					continue
				}
				out = append(out, Event{Topic: m.Topic, Key: m.Key, Event: e})
			}
			return make([]error, len(msgs))
		})
	if err != nil {
		t.Fatalf("draining the outbox: %v", err)
	}
	return out
}

// OfType returns the events of type typ.
func OfType(events []Event, typ string) []Event {
	var out []Event
	for _, e := range events {
		if e.Type() == typ {
			out = append(out, e)
		}
	}
	return out
}

// Clock is a settable clock for Store.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t; Add moves it by d.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
