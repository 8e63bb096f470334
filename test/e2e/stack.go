package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/pglocal"
	"github.com/taskline/taskline/test/e2e/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

// daprConfig is the Dapr Configuration every daprd of a Stack runs with. Standalone daprd
// defaults to mDNS name resolution, which announces each app by multicast on every network
// interface; the kubernetes resolver (what Dapr uses in production) does no I/O until an app
// invokes another by id, which Taskline's functions never do: they talk through Kafka.
const daprConfig = `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: e2e
spec:
  nameResolution:
    component: kubernetes
  metric:
    enabled: true
`

// Options choose what a Stack starts besides the broker.
type Options struct {
	// Postgres starts a throwaway PostgreSQL and passes DATABASE_URL to every app.
	Postgres bool
	// Resources is the folder of Dapr resource files; default <repo>/infra/dapr/local.
	Resources string
	// Overrides changes component metadata for this run only (e.g. a faster cron
	// schedule); the broker address of pubsub.kafka components is always set.
	Overrides Overrides
}

// Stack is one isolated production-shaped environment: a Kafka-protocol broker, optionally
// PostgreSQL, rendered Dapr resources, and the apps started on it. Stacks share nothing, so
// parallel tests each start their own (Kafka consumer groups are named after app ids, and
// two tests using the same app id on one broker would split each other's messages).
type Stack struct {
	t         testing.TB
	daprd     string
	broker    *broker.Broker
	pg        *pglocal.Cluster
	resources string
	config    string
	logDir    string

	mu   sync.Mutex
	apps []*App
}

// Start starts a Stack for t and stops all of it when t ends. It fails t when any piece
// cannot start.
func Start(t testing.TB, opts Options) *Stack {
	t.Helper()
	daprd, err := DaprdPath()
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{t: t, daprd: daprd, logDir: t.TempDir(), resources: filepath.Join(t.TempDir(), "dapr")}
	if d := os.Getenv("E2E_LOG_DIR"); d != "" {
		// Keep logs after the run, e.g. as CI artifacts.
		s.logDir = filepath.Join(d, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
		if err := os.MkdirAll(s.logDir, 0o755); err != nil {
			t.Fatalf("creating log dir: %v", err)
		}
	}

	// Registered first, so it runs last: after the apps have stopped, with their full logs.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("e2e stack processes:\n%s", s.describeApps())
		}
	})

	b, err := broker.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	s.broker = b
	t.Cleanup(b.Close)

	src := opts.Resources
	if src == "" {
		root, err := RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		src = filepath.Join(root, "infra", "dapr", "local")
	}
	if err := os.MkdirAll(s.resources, 0o755); err != nil {
		t.Fatalf("creating resources dir: %v", err)
	}
	written, err := renderResources(src, s.resources, b.Addr(), opts.Overrides)
	if err != nil {
		t.Fatalf("rendering Dapr resources: %v", err)
	}
	s.config = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(s.config, []byte(daprConfig), 0o644); err != nil {
		t.Fatalf("writing daprd configuration: %v", err)
	}
	t.Logf("e2e stack: broker %s, Dapr resources from %s: %s", b.Addr(), src, strings.Join(written, ", "))

	if opts.Postgres {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pg, err := pglocal.Start(ctx, pglocal.Options{})
		if err != nil {
			t.Fatalf("starting postgres: %v", err)
		}
		s.pg = pg
		t.Cleanup(func() {
			if err := pg.Stop(); err != nil {
				t.Errorf("stopping postgres: %v", err)
			}
		})
	}
	return s
}

// Brokers is the Kafka bootstrap address (host:port), the value of KAFKA_BROKERS.
func (s *Stack) Brokers() string { return s.broker.Addr() }

// DatabaseURL is the Postgres connection string; empty without Options.Postgres.
func (s *Stack) DatabaseURL() string {
	if s.pg == nil {
		return ""
	}
	return s.pg.URL()
}

// ResourcesDir is the folder of rendered Dapr resources every daprd of the Stack loads.
func (s *Stack) ResourcesDir() string { return s.resources }

// Kafka returns a franz-go client connected to the Stack's broker, closed when the test
// ends. Pass options such as kgo.ConsumeTopics to consume.
func (s *Stack) Kafka(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	c, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.Brokers())}, opts...)...)
	if err != nil {
		t.Fatalf("creating kafka client: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// WaitRecord reads topic from its start until a record satisfies match and returns it;
// it fails t after timeout. Reading from the start means the record may have been
// produced before the call.
func (s *Stack) WaitRecord(t testing.TB, topic string, timeout time.Duration, match func(*kgo.Record) bool) *kgo.Record {
	t.Helper()
	c, err := kgo.NewClient(
		kgo.SeedBrokers(s.Brokers()),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		t.Fatalf("creating kafka consumer for %s: %v", topic, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	seen := 0
	for {
		fetches := c.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("no matching record on topic %s within %s (%d records seen)", topic, timeout, seen)
		}
		for _, fe := range fetches.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) {
				t.Logf("fetching %s partition %d: %v", fe.Topic, fe.Partition, fe.Err)
			}
		}
		var found *kgo.Record
		fetches.EachRecord(func(r *kgo.Record) {
			seen++
			if found == nil && match(r) {
				found = r
			}
		})
		if found != nil {
			return found
		}
	}
}

func (s *Stack) addApp(a *App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps = append(s.apps, a)
}

// describeApps is the state and log tails of every process, for failure messages.
func (s *Stack) describeApps() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, a := range s.apps {
		for _, p := range []*process{a.app, a.daprd} {
			if p != nil {
				fmt.Fprintln(&b, p.describe(40))
			}
		}
	}
	return b.String()
}
