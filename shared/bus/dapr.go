package bus

import (
	"context"

	"github.com/taskline/taskline/shared/dapr"
	"github.com/taskline/taskline/shared/outbox"
)

// Dapr publishes through the Dapr sidecar with the Dapr Go SDK (shared/dapr). Each event
// goes as structured CloudEvent JSON with content type application/cloudevents+json, which
// Dapr passes through (keeping our id, type, source and extensions), and the user id as the
// Kafka partition key. DAPR_API_TOKEN, when set, goes with every call.
type Dapr struct {
	Client *dapr.Client
	// Pubsub is the Dapr pubsub component's name ("pubsub").
	Pubsub string
}

// NewDapr returns a publisher to the sidecar's gRPC API on localhost:grpcPort.
func NewDapr(grpcPort int, pubsub string) *Dapr {
	return &Dapr{Client: dapr.New(grpcPort), Pubsub: pubsub}
}

// Publish implements outbox.Publisher.
func (d *Dapr) Publish(ctx context.Context, msgs []outbox.Message) []error {
	return byKey(ctx, msgs, 16, func(ctx context.Context, m outbox.Message) error {
		return d.Client.Publish(ctx, d.Pubsub, m.Topic, m.Event, m.Key)
	})
}

// Close closes the connection to the sidecar.
func (d *Dapr) Close() { d.Client.Close() }
