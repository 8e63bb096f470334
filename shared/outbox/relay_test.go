package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/taskline/taskline/shared/bus"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// counter counts deliveries per event id.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) handle(_ context.Context, e cloudevents.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[e.ID()]++
	return nil
}

func (c *counter) check(t *testing.T, want []string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range want {
		if c.n[id] != 1 {
			t.Errorf("event %s delivered %d times; want once", id, c.n[id])
		}
	}
	if len(c.n) != len(want) {
		t.Errorf("%d distinct events delivered; want %d", len(c.n), len(want))
	}
}

// write creates n tasks spread over users while nothing publishes (the process "died"
// after each commit) and returns the outbox ids and event ids written.
func write(t *testing.T, s *postgres.Store, n int) (ids []int64, events []string) {
	t.Helper()
	rows, events := writeRows(t, s, n)
	for _, m := range rows {
		ids = append(ids, m.ID)
	}
	return ids, events
}

// writeRows is write returning the rows as the commit hook got them.
func writeRows(t *testing.T, s *postgres.Store, n int) (committed []outbox.Message, events []string) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	s.OnCommit = func(_ context.Context, got []postgres.OutboxMessage) {
		mu.Lock()
		defer mu.Unlock()
		committed = append(committed, got...)
	}
	defer func() { s.OnCommit = nil }()
	for i := range n {
		user := fmt.Sprintf("user-%d", i%5)
		if err := s.EnsureUser(ctx, todo.User{ID: user}); err != nil {
			t.Fatal(err)
		}
		title := fmt.Sprintf("task %d", i)
		p := todo.Medium
		if _, err := s.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.Pool().Query(ctx, `SELECT event_id::text FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		events = append(events, id)
	}
	return committed, events
}

// countDeliveries is an in-process bus counting what the tasks topic delivers.
func countDeliveries() (*bus.Local, *counter) {
	b := bus.NewLocal()
	c := &counter{n: map[string]int{}}
	b.Subscribe(event.TopicTasks, "test", c.handle)
	return b, c
}

// checkPublished checks that each of the events was delivered once and that no row is
// left unpublished.
func (c *counter) checkPublished(t *testing.T, s *postgres.Store, events []string) {
	t.Helper()
	c.check(t, events)
	if u := unpublished(t, s); u != 0 {
		t.Fatalf("%d rows still unpublished", u)
	}
}

func unpublished(t *testing.T, s *postgres.Store) int {
	t.Helper()
	n, _, err := s.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSweepPublishesWhatACrashLeftBehind: rows committed but never published (the process
// died before its fast path ran) go out with the next sweep, once.
func TestSweepPublishesWhatACrashLeftBehind(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	_, events := write(t, s, 20)
	b, c := countDeliveries()
	r := outbox.New(s, b, quiet, outbox.Options{StaleAfter: time.Millisecond})
	defer r.Close()
	s.Now = func() time.Time { return time.Now().Add(time.Second) } // the rows are past StaleAfter
	n, err := r.Sweep(context.Background())
	if err != nil || n != 20 {
		t.Fatalf("sweep published %d (%v); want 20", n, err)
	}
	if n, _ := r.Sweep(context.Background()); n != 0 {
		t.Fatalf("second sweep published %d rows again", n)
	}
	c.checkPublished(t, s, events)
}

// TestFastPathAndSweepNeverPublishTwice races flushes of the same rows against sweeps.
func TestFastPathAndSweepNeverPublishTwice(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ids, events := write(t, s, 200)
	b, c := countDeliveries()
	r := outbox.New(s, b, quiet, outbox.Options{StaleAfter: time.Nanosecond, BatchSize: 37})
	defer r.Close()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if err := r.Flush(context.Background(), ids); err != nil {
					t.Error(err)
				}
				return
			}
			if _, err := r.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	// And the asynchronous fast path, as the store's commit hook calls it (rows written
	// without a lease: it claims them).
	for _, id := range ids {
		r.OnCommit(context.Background(), []outbox.Message{{ID: id}})
	}
	wg.Wait()
	r.Close()
	c.checkPublished(t, s, events)
}

// TestLeasedRowsAreNotSweptBeforeTheirLeaseEnds: rows a function writes are leased to its
// fast path; if it died before publishing them, the sweep publishes them once the lease
// ran out, and not before (the fast path may still be publishing them).
func TestLeasedRowsAreNotSweptBeforeTheirLeaseEnds(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	s.PublishLease = 15 * time.Second
	_, events := writeRows(t, s, 10)
	b, c := countDeliveries()
	r := outbox.New(s, b, quiet, outbox.Options{StaleAfter: time.Millisecond})
	defer r.Close()
	start := time.Now()
	s.Now = func() time.Time { return start.Add(5 * time.Second) } // past StaleAfter, lease running
	if n, err := r.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep during the writer's lease published %d (%v); want 0", n, err)
	}
	s.Now = func() time.Time { return start.Add(16 * time.Second) } // the lease ran out
	if n, err := r.Sweep(context.Background()); err != nil || n != 10 {
		t.Fatalf("sweep after the writer's lease published %d (%v); want 10", n, err)
	}
	c.checkPublished(t, s, events)
}

// TestLeasedFastPathAndSweepNeverPublishTwice: the fast path publishes its leased rows
// from memory, without claiming them, while sweeps run (past StaleAfter): every event is
// delivered once and marked; rows that waited too long for their fast path get a fresh
// lease first.
func TestLeasedFastPathAndSweepNeverPublishTwice(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	s.PublishLease = 15 * time.Second
	// A third of the rows were written 5 s ago: 10 s of their lease is left, too little
	// for a publish's 10 s timeout, so their fast path renews their lease first.
	start := time.Now()
	s.Now = func() time.Time { return start.Add(-5 * time.Second) }
	rows, _ := writeRows(t, s, 70)
	s.Now = time.Now
	more, events := writeRows(t, s, 130) // the events of all 200 rows
	rows = append(rows, more...)
	b, c := countDeliveries()
	r := outbox.New(s, b, quiet, outbox.Options{StaleAfter: time.Nanosecond, BatchSize: 37})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	for _, m := range rows {
		r.OnCommit(context.Background(), []outbox.Message{m})
	}
	wg.Wait()
	r.Close()
	// Nothing is left for a sweep after the leases ran out.
	s.Now = func() time.Time { return time.Now().Add(31 * time.Second) }
	if n, err := r.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("a sweep after the leases ran out published %d (%v); the fast path should have published them all", n, err)
	}
	c.checkPublished(t, s, events)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestKafkaBrokerDownThenUp: while the broker is down, the fast path fails and the rows
// stay; once it is back, a sweep publishes every one exactly once, keyed by user.
func TestKafkaBrokerDownThenUp(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	k, err := bus.NewKafka([]string{addr}, kgo.RecordDeliveryTimeout(1500*time.Millisecond), kgo.RetryTimeout(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	r := outbox.New(s, k, quiet, outbox.Options{StaleAfter: time.Millisecond, Sync: true, Timeout: 3 * time.Second})
	defer r.Close()
	s.OnCommit = r.OnCommit

	// Broker down: each write's fast path fails; the writes themselves succeed.
	ctx := context.Background()
	var events []string
	for i := range 6 {
		user := fmt.Sprintf("user-%d", i%2)
		s.EnsureUser(ctx, todo.User{ID: user})
		title := fmt.Sprintf("written while the broker is down %d", i)
		p := todo.Low
		if _, err := s.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p}); err != nil {
			t.Fatalf("a write failed because the broker is down: %v", err)
		}
		if i == 0 {
			break // one slow failing fast path is enough; the rest are written without it
		}
	}
	s.OnCommit = nil
	for i := 1; i < 6; i++ {
		user := fmt.Sprintf("user-%d", i%2)
		s.EnsureUser(ctx, todo.User{ID: user})
		title := fmt.Sprintf("written while the broker is down %d", i)
		p := todo.Low
		if _, err := s.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p}); err != nil {
			t.Fatal(err)
		}
	}
	s.Now = func() time.Time { return time.Now().Add(time.Second) } // past StaleAfter
	if n, err := r.Sweep(ctx); err == nil || n != 0 {
		t.Fatalf("sweep with the broker down published %d, err %v; want 0 and an error", n, err)
	}
	if u := unpublished(t, s); u != 6 {
		t.Fatalf("%d unpublished rows; want 6", u)
	}
	var failed int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM outbox WHERE last_error IS NOT NULL AND failed_at IS NOT NULL`).Scan(&failed)
	if failed != 6 {
		t.Fatalf("%d of 6 failed publishes were recorded", failed)
	}
	rows, _ := s.Pool().Query(ctx, `SELECT event_id::text FROM outbox ORDER BY id`)
	for rows.Next() {
		var id string
		rows.Scan(&id)
		events = append(events, id)
	}
	rows.Close()

	// Broker back, on the same address. Nothing was published during the outage, so each
	// failure made its row wait at most todo.MaxOutageWait: the store's clock moves on by
	// that much before each sweep.
	cluster, err := kfake.NewCluster(kfake.Ports(port), kfake.SeedTopics(3, event.TopicTasks))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	var skew atomic.Int64
	s.Now = func() time.Time { return time.Now().Add(time.Second + time.Duration(skew.Load())) }
	deadline := time.Now().Add(20 * time.Second)
	for unpublished(t, s) > 0 && time.Now().Before(deadline) {
		skew.Add(int64(todo.MaxOutageWait))
		r.Sweep(ctx)
	}
	if u := unpublished(t, s); u != 0 {
		t.Fatalf("%d rows unpublished after the broker came back", u)
	}
	if n, _ := r.Sweep(ctx); n != 0 {
		t.Fatalf("a later sweep published %d rows again", n)
	}

	consumer, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(event.TopicTasks),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	c := &counter{n: map[string]int{}}
	partitionOf := map[string]int32{}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for total := 0; total < len(events) && fctx.Err() == nil; {
		fs := consumer.PollFetches(fctx)
		fs.EachRecord(func(rec *kgo.Record) {
			total++
			var e cloudevents.Event
			if err := e.UnmarshalJSON(rec.Value); err != nil {
				t.Errorf("record is not a CloudEvent: %v", err)
				return
			}
			c.handle(ctx, e)
			if string(rec.Key) != event.UserID(e) {
				t.Errorf("record key %q; want the user id %q", rec.Key, event.UserID(e))
			}
			if p, ok := partitionOf[string(rec.Key)]; ok && p != rec.Partition {
				t.Errorf("user %s's events on partitions %d and %d", rec.Key, p, rec.Partition)
			}
			partitionOf[string(rec.Key)] = rec.Partition
		})
	}
	c.check(t, events)
}
