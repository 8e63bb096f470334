package bus

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/taskline/taskline/shared/outbox"
)

// Dapr publishes through the Dapr sidecar's HTTP API. Each event goes as structured
// CloudEvent JSON with Content-Type application/cloudevents+json, which Dapr passes through
// (keeping our id, type, source and extensions), and the user id as the Kafka partition key.
type Dapr struct {
	// BaseURL is the sidecar, e.g. http://127.0.0.1:3500.
	BaseURL string
	// Pubsub is the Dapr pubsub component's name ("pubsub").
	Pubsub string
	// Client defaults to a client with a 10 s timeout.
	Client *http.Client
}

// NewDapr returns a publisher to the sidecar on localhost:port.
func NewDapr(port int, pubsub string) *Dapr {
	return &Dapr{BaseURL: fmt.Sprintf("http://127.0.0.1:%d", port), Pubsub: pubsub,
		Client: &http.Client{Timeout: 10 * time.Second}}
}

// Publish implements outbox.Publisher.
func (d *Dapr) Publish(ctx context.Context, msgs []outbox.Message) []error {
	return byKey(ctx, msgs, 16, d.publish)
}

func (d *Dapr) publish(ctx context.Context, m outbox.Message) error {
	u := fmt.Sprintf("%s/v1.0/publish/%s/%s?metadata.partitionKey=%s", d.BaseURL,
		url.PathEscape(d.Pubsub), url.PathEscape(m.Topic), url.QueryEscape(m.Key))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(m.Event))
	if err != nil {
		return fmt.Errorf("publishing to %s through dapr: %w", m.Topic, err)
	}
	req.Header.Set("Content-Type", ContentType)
	c := d.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("publishing to %s through dapr: %w", m.Topic, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("publishing to %s through dapr: %s: %s", m.Topic, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}
