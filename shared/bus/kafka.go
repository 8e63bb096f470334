package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/taskline/taskline/shared/outbox"
)

// Kafka publishes straight to Kafka brokers: each event is a record whose key is the user
// id (so a user's events share a partition and keep their order) and whose value is the
// structured CloudEvent, with a content-type header saying so.
type Kafka struct {
	client *kgo.Client
}

// NewKafka connects a producer to brokers. Extra options (TLS, SASL) are appended.
func NewKafka(brokers []string, opts ...kgo.Opt) (*Kafka, error) {
	base := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		// Idempotent writes with acks from all in-sync replicas: a retried produce is not
		// written twice by the broker.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
		// Give up on a record after this long so a flush does not hold its row locks forever;
		// the sweep tries again.
		kgo.RecordDeliveryTimeout(10 * time.Second),
	}
	c, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("creating kafka producer: %w", err)
	}
	return &Kafka{client: c}, nil
}

// Publish implements outbox.Publisher.
func (k *Kafka) Publish(ctx context.Context, msgs []outbox.Message) []error {
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		recs[i] = &kgo.Record{Topic: m.Topic, Key: []byte(m.Key), Value: m.Event,
			Headers: []kgo.RecordHeader{{Key: "content-type", Value: []byte(ContentType)}}}
	}
	res := k.client.ProduceSync(ctx, recs...)
	errs := make([]error, len(msgs))
	for i, r := range res {
		if r.Err != nil {
			errs[i] = fmt.Errorf("producing to %s: %w", msgs[i].Topic, r.Err)
		}
	}
	return errs
}

// Close flushes nothing (Publish is synchronous) and disconnects.
func (k *Kafka) Close() { k.client.Close() }
