// Package broker runs a Kafka-protocol broker (franz-go's kfake) seeded with Taskline's topics.
//
// kfake speaks the real Kafka wire protocol, so Dapr's Kafka pubsub component (sarama) and
// franz-go clients talk to it exactly as they talk to Kafka, without a JVM or a container.
// It keeps everything in memory: a Broker is for tests and local runs, never for data that
// must survive a restart.
package broker

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic is a Kafka topic the broker creates at start.
type Topic struct {
	Name       string
	Partitions int32
}

// Topics are Taskline's topics as fixed in docs/ARCHITECTURE.md. Event topics have three
// partitions (events are keyed by user id, so a user's events stay in order); dead letter
// topics have one, because they are read by people, not scaled out.
var Topics = []Topic{
	{Name: "task-events", Partitions: 3},
	{Name: "reminder-events", Partitions: 3},
	{Name: "notification-events", Partitions: 3},
	{Name: "dlq.task-events", Partitions: 1},
	{Name: "dlq.reminder-events", Partitions: 1},
}

// Broker is a running single-node Kafka-protocol broker on 127.0.0.1.
type Broker struct {
	cluster *kfake.Cluster
	addr    string

	paused      atomic.Bool
	controlOnce sync.Once
}

// Start listens on 127.0.0.1:port (0 picks a free port) and creates Topics.
func Start(port int) (*Broker, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("starting kafka broker: invalid port %d", port)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ClusterID("taskline-e2e"),
	}
	for _, t := range Topics {
		opts = append(opts, kfake.SeedTopics(t.Partitions, t.Name))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting kafka broker on port %s: %w", strconv.Itoa(port), err)
	}
	addrs := c.ListenAddrs()
	if len(addrs) != 1 {
		c.Close()
		return nil, fmt.Errorf("starting kafka broker: want 1 listener, got %d", len(addrs))
	}
	return &Broker{cluster: c, addr: addrs[0]}, nil
}

// Addr is the broker's host:port, the value for KAFKA_BROKERS and Dapr's `brokers` metadata.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker and drops all its data. It is safe to call more than once.
func (b *Broker) Close() { b.cluster.Close() }

// errDown is what every request gets while the broker is paused: kfake closes the
// client's connection.
var errDown = errors.New("broker paused")

// Pause makes the broker unreachable, as a broker that is down but keeps its log on disk:
// every request closes its client's connection, until Resume. What was produced before
// stays and is served again after Resume.
func (b *Broker) Pause() {
	b.paused.Store(true)
	b.controlOnce.Do(func() {
		b.cluster.Control(func(kmsg.Request) (kmsg.Response, error, bool) {
			b.cluster.KeepControl()
			if b.paused.Load() {
				return nil, errDown, true
			}
			return nil, nil, false
		})
	})
}

// Resume ends Pause: clients reconnect on their own.
func (b *Broker) Resume() { b.paused.Store(false) }
