package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/outbox"
)

// Handler consumes one event. An error means "deliver it again later": the outbox row
// stays unpublished and the sweep publishes it once more, to every subscriber of the topic,
// as a broker would redeliver it; consumers are idempotent.
type Handler func(ctx context.Context, e cloudevents.Event) error

// Local is the in-process bus: Publish hands each event to the topic's subscribers and
// returns once they have handled it, so a row is marked published only after its
// consumers have done their work and a crash loses nothing.
type Local struct {
	mu   sync.RWMutex
	subs map[string][]subscriber
	// Concurrency bounds how many keys (users) are handled at once. Default 16.
	Concurrency int
}

type subscriber struct {
	name string
	h    Handler
}

// NewLocal returns an empty bus.
func NewLocal() *Local { return &Local{subs: map[string][]subscriber{}, Concurrency: 16} }

// Subscribe registers h, named consumer, for topic.
func (l *Local) Subscribe(topic, consumer string, h Handler) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.subs[topic] = append(l.subs[topic], subscriber{consumer, h})
}

// Publish implements outbox.Publisher.
func (l *Local) Publish(ctx context.Context, msgs []outbox.Message) []error {
	return byKey(ctx, msgs, max(1, l.Concurrency), l.deliver)
}

func (l *Local) deliver(ctx context.Context, m outbox.Message) error {
	var e cloudevents.Event
	if err := e.UnmarshalJSON(m.Event); err != nil {
		// Our own outbox never holds one; it would be a bug, not a reason to block the topic.
		return nil
	}
	l.mu.RLock()
	subs := l.subs[m.Topic]
	l.mu.RUnlock()
	var errs []error
	for _, s := range subs {
		if err := s.h(ctx, e); err != nil {
			errs = append(errs, fmt.Errorf("%s handling %s %s: %w", s.name, e.Type(), e.ID(), err))
		}
	}
	return errors.Join(errs...)
}
