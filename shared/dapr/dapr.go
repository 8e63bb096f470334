// Package dapr is Taskline's one place that talks to a Dapr sidecar.
//
// Publishing and secrets go through the official Go SDK (github.com/dapr/go-sdk, gRPC to the
// sidecar on DAPR_GRPC_PORT), which also sends DAPR_API_TOKEN with every call when it is set.
//
// The subscriber side (GET /dapr/subscribe, POST /events/<topic>, input bindings) stays a
// small hand-written adapter in shared/runtime, for a reason: the SDK's service packages
// (service/http, service/grpc) own the HTTP server and mux, and hand a handler a decoded
// common.TopicEvent whose answer is only "retry or not". Taskline's functions serve Dapr,
// Knative (CloudEvents over HTTP), Lambda and the in-process bus from one mux and one
// cloudevents.Event handler, and need Dapr's three answers (SUCCESS, RETRY, DROP to the
// dead-letter topic). What the SDK would add there is the APP_API_TOKEN check, which
// RequireAppToken below does.
package dapr

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"github.com/taskline/taskline/shared/event"
	"google.golang.org/grpc/metadata"
	"net/http"
	"os"
	"strconv"
	"sync"

	daprc "github.com/dapr/go-sdk/client"
)

// Client is a lazily connected SDK client for the sidecar on 127.0.0.1:<grpc port>. The
// SDK's constructor blocks until the sidecar answers; a function starts before its sidecar
// is ready, so the connection is made on first use and retried on the next call after a
// failure.
type Client struct {
	addr string
	mu   sync.Mutex
	c    daprc.Client
}

// New returns a client for the sidecar's gRPC port (DAPR_GRPC_PORT, Dapr's default 50001).
func New(grpcPort int) *Client {
	return &Client{addr: "127.0.0.1:" + strconv.Itoa(grpcPort)}
}

// GRPCPort is DAPR_GRPC_PORT, or Dapr's default 50001.
func GRPCPort() int {
	if n, err := strconv.Atoi(os.Getenv("DAPR_GRPC_PORT")); err == nil && n > 0 {
		return n
	}
	return 50001
}

func (c *Client) client(ctx context.Context) (daprc.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c != nil {
		return c.c, nil
	}
	cl, err := daprc.NewClientWithAddressContext(ctx, c.addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to the dapr sidecar at %s: %w", c.addr, err)
	}
	c.c = cl
	return cl, nil
}

// CloudEventsContentType makes Dapr pass a structured CloudEvent through as it is (our id,
// type, source and extensions) instead of wrapping it in one of its own.
const CloudEventsContentType = "application/cloudevents+json"

// Publish publishes one structured CloudEvent (JSON) to topic through pubsub, with
// partitionKey as the Kafka message key (events of one user stay in order).
func (c *Client) Publish(ctx context.Context, pubsub, topic string, cloudEvent []byte, partitionKey string) error {
	cl, err := c.client(ctx)
	if err != nil {
		return err
	}
	opts := []daprc.PublishEventOption{daprc.PublishEventWithContentType(CloudEventsContentType)}
	if partitionKey != "" {
		opts = append(opts, daprc.PublishEventWithMetadata(map[string]string{"partitionKey": partitionKey}))
	}
	// daprd writes its own trace context into the envelope it publishes, taken from the
	// call's metadata (or a new trace when there is none): hand it the event's, so the
	// consumer continues the producer's trace.
	if tp := event.HeadOf(cloudEvent).TraceParent; tp != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", tp)
	}
	if err := cl.PublishEvent(ctx, pubsub, topic, cloudEvent, opts...); err != nil {
		return fmt.Errorf("publishing to %s through dapr: %w", topic, err)
	}
	return nil
}

// Secret reads one key of a secret from a Dapr secret store.
func (c *Client) Secret(ctx context.Context, store, key string) (string, error) {
	cl, err := c.client(ctx)
	if err != nil {
		return "", err
	}
	m, err := cl.GetSecret(ctx, store, key, nil)
	if err != nil {
		return "", fmt.Errorf("reading secret %s/%s from dapr: %w", store, key, err)
	}
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("secret %s/%s has no key %q", store, key, key)
	}
	return v, nil
}

// Close closes the connection, if one was made.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// AppTokenHeader is the header daprd sends APP_API_TOKEN in.
const AppTokenHeader = "dapr-api-token"

// ErrNoAppToken is what a delivery without the right token gets.
var ErrNoAppToken = errors.New("missing or wrong dapr-api-token")

// RequireAppToken lets through only requests that carry token in the dapr-api-token header
// (daprd sends APP_API_TOKEN there on every call to the app). An empty token lets
// everything through: no token is configured.
func RequireAppToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(AppTokenHeader)), want) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthenticated","message":"` + ErrNoAppToken.Error() + `"}}` + "\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
