package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/bench/seed"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/test/e2e"
)

// hopTopic carries the broker-alone round trips: a topic of Taskline's broker that no
// function subscribes to.
const hopTopic = "notification-events"

// hopSizes are the rounds of the one-at-a-time series and the events of each burst.
func hopSizes(quick bool) (rounds, burst int) {
	if quick {
		return 20, 100
	}
	return 200, 1_000
}

// hops splits scenario 6's event path into its hops for one event type, task.completed
// → spawn-next-occurrence (a completed daily task: the handler creates its next instance):
//
//   - the app alone: the CloudEvent POSTed straight to the app's subscription route, as
//     daprd delivers it (no daprd, no broker);
//   - the broker alone: the same CloudEvent produced to kfake and consumed with franz-go;
//   - daprd's publish API: the HTTP publish to complete-task's daprd, answered once kfake
//     has the record;
//   - the whole path: that publish, kfake, spawn-next-occurrence's daprd consuming and
//     delivering, the app handling it, until the next instance is committed (a trigger the
//     benchmark adds for the duration NOTIFYs it; LISTEN costs nothing while waiting).
//
// One event at a time, the four go round-robin (noise falls on all of them), with a GET
// /healthz of the app as the loopback HTTP yardstick; then a burst through each of the app
// alone, the whole path and the broker alone.
func hops(ctx context.Context, e *Env, id string, tb *harnessTB, s *e2e.Stack, pub, app *e2e.App) ([]report.Figure, error) {
	rounds, burst := hopSizes(e.Quick)
	tasks, err := seedCompleted(ctx, e.Pool, "bench-hop", 2*(rounds+burst))
	if err != nil {
		return nil, err
	}
	direct, viaDapr := tasks[:rounds+burst], tasks[rounds+burst:]
	events := func(ts []hopTask) ([][]byte, error) {
		out := make([][]byte, len(ts))
		for i, t := range ts {
			b, err := completedEvent(t)
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	}
	directEv, err := events(direct)
	if err != nil {
		return nil, err
	}
	daprEv, err := events(viaDapr)
	if err != nil {
		return nil, err
	}

	spawned, stopSpawned, err := watchSpawned(ctx, e.Pool)
	if err != nil {
		return nil, err
	}
	defer stopSpawned()
	consumed := newArrivals()
	producer := s.Kafka(tb)
	consumer := s.Kafka(tb, kgo.ConsumeTopics(hopTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
	cctx, stopConsumer := context.WithCancel(ctx)
	var cwg sync.WaitGroup
	cwg.Go(func() {
		for cctx.Err() == nil {
			consumer.PollFetches(cctx).EachRecord(func(r *kgo.Record) {
				for _, h := range r.Headers {
					if h.Key == "bench-seq" {
						if n, err := strconv.ParseInt(string(h.Value), 10, 64); err == nil {
							consumed.arrived(n, time.Now())
						}
					}
				}
			})
		}
	})
	defer func() { stopConsumer(); cwg.Wait() }()
	record := func(seq int64, key string, value []byte) *kgo.Record {
		return &kgo.Record{Topic: hopTopic, Key: []byte(key), Value: value,
			Headers: []kgo.RecordHeader{{Key: "bench-seq", Value: []byte(strconv.FormatInt(seq, 10))}}}
	}
	// The consumer has its partitions and offsets once a first record reaches it.
	if err := producer.ProduceSync(ctx, record(-1, "warm-up", directEv[0])).FirstErr(); err != nil {
		return nil, fmt.Errorf("producing to kfake: %w", err)
	}
	if _, err := consumed.wait(ctx, -1, 30*time.Second); err != nil {
		return nil, fmt.Errorf("the broker-alone consumer: %w", err)
	}

	client := load.Client(16)
	deliver := func(ctx context.Context, body []byte) error {
		req, err := http.NewRequestWithContext(ctx, "POST", app.URL+"/events/"+event.TopicTasks, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/cloudevents+json")
		req.Header.Set("dapr-api-token", app.AppToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte("SUCCESS")) {
			return fmt.Errorf("delivering to %s: %d %s", app.ID, resp.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	}
	healthz := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, "GET", app.URL+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET /healthz of %s: %d", app.ID, resp.StatusCode)
		}
		return nil
	}
	// Each hop leaves work behind (the app publishes the events of the instance it made,
	// which come back to it through daprd): a pause lets it settle before the next hop.
	settle := func() { time.Sleep(20 * time.Millisecond) }

	var appLat, healthLat, pubLat, wholeLat, brokerLat, produceLat []time.Duration
	for i := range rounds {
		t0 := time.Now()
		if err := deliver(ctx, directEv[i]); err != nil {
			return nil, err
		}
		appLat = append(appLat, time.Since(t0))
		settle()

		t0 = time.Now()
		if err := healthz(ctx); err != nil {
			return nil, err
		}
		healthLat = append(healthLat, time.Since(t0))

		t0 = time.Now()
		if err := pub.Publish(ctx, event.TopicTasks, daprEv[i], viaDapr[i].user); err != nil {
			return nil, err
		}
		pubLat = append(pubLat, time.Since(t0))
		at, err := spawned.wait(ctx, viaDapr[i].id, 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("through daprd: %w", err)
		}
		wholeLat = append(wholeLat, at.Sub(t0))
		settle()

		t0 = time.Now()
		if err := producer.ProduceSync(ctx, record(int64(i), direct[i].user, directEv[i])).FirstErr(); err != nil {
			return nil, fmt.Errorf("producing to kfake: %w", err)
		}
		produceLat = append(produceLat, time.Since(t0))
		at, err = consumed.wait(ctx, int64(i), 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("the broker alone: %w", err)
		}
		brokerLat = append(brokerLat, at.Sub(t0))
	}

	// Bursts: every event at once (16 at a time over HTTP), until the last is handled.
	res, err := load.Run(ctx, load.Plan{Concurrency: 16, Calls: burst}, func(ctx context.Context, i int) error {
		return deliver(ctx, directEv[rounds+i])
	})
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("delivering to the app: %d failed, first: %v", res.Errors, res.FirstError)
	}
	if err != nil {
		return nil, err
	}
	appRate := float64(burst) / res.Elapsed.Seconds()
	if err := waitOutboxEmpty(ctx, e.Pool, 60*time.Second); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // the app's own events, back from daprd
	t0 := time.Now()
	res, err = load.Run(ctx, load.Plan{Concurrency: 16, Calls: burst}, func(ctx context.Context, i int) error {
		return pub.Publish(ctx, event.TopicTasks, daprEv[rounds+i], viaDapr[rounds+i].user)
	})
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("publishing through daprd: %d failed, first: %v", res.Errors, res.FirstError)
	}
	if err != nil {
		return nil, err
	}
	var last time.Time
	for _, t := range viaDapr[rounds:] {
		at, err := spawned.wait(ctx, t.id, 120*time.Second)
		if err != nil {
			return nil, fmt.Errorf("burst through daprd: %w", err)
		}
		last = later(last, at)
	}
	daprRate := float64(burst) / last.Sub(t0).Seconds()
	t0 = time.Now()
	var perr error
	var pmu sync.Mutex
	for i := range burst {
		producer.Produce(ctx, record(int64(rounds+i), direct[i].user, directEv[i]), func(_ *kgo.Record, err error) {
			if err != nil {
				pmu.Lock()
				perr = err
				pmu.Unlock()
			}
		})
	}
	if err := producer.Flush(ctx); err != nil {
		return nil, err
	}
	if perr != nil {
		return nil, fmt.Errorf("producing the burst to kfake: %w", perr)
	}
	last = time.Time{}
	for i := range burst {
		at, err := consumed.wait(ctx, int64(rounds+i), 60*time.Second)
		if err != nil {
			return nil, fmt.Errorf("the broker alone, burst: %w", err)
		}
		last = later(last, at)
	}
	brokerRate := float64(burst) / last.Sub(t0).Seconds()

	return hopFigures(id, rounds, burst, hopSeries{app: appLat, health: healthLat, publish: pubLat, whole: wholeLat,
		broker: brokerLat, produce: produceLat}, appRate, daprRate, brokerRate), nil
}

// hopSeries are the one-at-a-time latencies of each hop.
type hopSeries struct{ app, health, publish, whole, broker, produce []time.Duration }

// hopFigures are the rows of the hop breakdown.
func hopFigures(id string, rounds, burst int, s hopSeries, appRate, daprRate, brokerRate float64) []report.Figure {
	q := func(d []time.Duration, p float64) float64 { return ms(load.Sorted(d).Quantile(p)) }
	ev := fmt.Sprintf("task.completed → spawn-next-occurrence, one event at a time (%d): ", rounds)
	app50, broker50, whole50 := q(s.app, 0.5), q(s.broker, 0.5), q(s.whole, 0.5)
	daprd := whole50 - app50 - broker50
	p99 := func(d []time.Duration) string { return report.Format(q(d, 0.99), "ms") }
	return []report.Figure{
		report.Measured(id, ev+"the app alone (the CloudEvent POSTed to /events/task-events, no daprd), p50", "ms", app50).
			WithBaseline("GET /healthz of the app, p50", q(s.health, 0.5)).
			WithNote("p99 %s (/healthz %s); handler: 1 transaction, next instance and its 2 events written", p99(s.app), p99(s.health)),
		report.Measured(id, ev+"the broker alone (franz-go produce → consume on kfake, the same CloudEvent), p50", "ms", broker50).
			WithBaseline("GET /healthz of the app, p50", q(s.health, 0.5)).
			WithNote("p99 %s; of which the produce until acked: p50 %s", p99(s.broker), report.Format(q(s.produce, 0.5), "ms")),
		report.Measured(id, ev+"daprd's publish API (POST /v1.0/publish to complete-task's daprd, answered once kfake has it), p50", "ms", q(s.publish, 0.5)).
			WithBaseline("franz-go produce until acked, p50", q(s.produce, 0.5)).
			WithNote("p99 %s (franz-go %s)", p99(s.publish), p99(s.produce)),
		report.Measured(id, ev+"the whole path (publish via daprd → kfake → spawn-next-occurrence's daprd → app → next instance committed), p50", "ms", whole50).
			WithBaseline("app alone + broker alone, p50", app50+broker50).
			WithNote("daprd's two hops add %s of %s (%.0f%%); p99 %s", report.Format(daprd, "ms"), report.Format(whole50, "ms"),
				100*daprd/whole50, p99(s.whole)),
		report.Measured(id, fmt.Sprintf("task.completed → spawn-next-occurrence, a burst of %s: events/s through the whole path", thousands(burst)), "/s", daprRate).
			WithBaseline("the app alone, POSTed 16 at a time", appRate).
			WithNote("the broker alone: %s/s (franz-go, produced at once, consumed by one client)", report.Format(brokerRate, "")),
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// hopTask is a completed daily task the hops measurement sends a task.completed for.
type hopTask struct {
	id   int64
	user string
}

// seedCompleted seeds n completed daily tasks (COPY), ten per user, and returns them in
// id order.
func seedCompleted(ctx context.Context, pool *pgxpool.Pool, prefix string, n int) ([]hopTask, error) {
	users := spread(prefix, n)
	var us []seed.User
	for _, u := range uniq(users) {
		us = append(us, seed.User{ID: u})
	}
	if err := seed.Users(ctx, pool, us...); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	due := now.Add(-time.Hour)
	rows := make([][]any, n)
	for i, u := range users {
		rows[i] = []any{u, "hop " + strconv.Itoa(i), true, now, due, "daily"}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"tasks"}, []string{"user_id", "title", "completed", "completed_at", "due_date", "recurrence"},
		pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("seeding completed tasks: %w", err)
	}
	list, err := pool.Query(ctx, `SELECT id, user_id FROM tasks WHERE user_id LIKE $1 AND spawned_from IS NULL ORDER BY id`, prefix+"-%")
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(list, func(r pgx.CollectableRow) (hopTask, error) {
		var t hopTask
		return t, r.Scan(&t.id, &t.user)
	})
	if err != nil {
		return nil, fmt.Errorf("reading the seeded tasks: %w", err)
	}
	if len(out) != n {
		return nil, fmt.Errorf("seeded %d completed tasks, found %d", n, len(out))
	}
	return out, nil
}

// completedEvent is the task.completed complete-task emits for t, as structured JSON.
func completedEvent(t hopTask) ([]byte, error) {
	daily := "daily"
	now := time.Now().UTC()
	due := now.Add(-time.Hour)
	ctx := event.WithSource(context.Background(), "/functions/complete-task")
	ev, err := event.New(ctx, event.TaskCompleted, event.TaskSubject(t.id), t.user, now, event.TaskCompletedData{
		TaskID: t.id, Title: "hop", CompletedAt: now, HadRecurrence: true, RecurrencePattern: &daily, DueDate: &due})
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

// arrivals records when numbered things arrived, for waiters that may come before or after.
type arrivals struct {
	mu      sync.Mutex
	at      map[int64]time.Time
	wake    chan struct{}
	waiting int // waiters blocked until the next arrival
}

func newArrivals() *arrivals { return &arrivals{at: map[int64]time.Time{}, wake: make(chan struct{})} }

func (a *arrivals) arrived(n int64, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.at[n]; !ok {
		a.at[n] = at
	}
	close(a.wake)
	a.wake = make(chan struct{})
}

// blocked reports how many waiters wait for an arrival.
func (a *arrivals) blocked() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.waiting
}

// wait returns when n arrived, waiting up to limit for it.
func (a *arrivals) wait(ctx context.Context, n int64, limit time.Duration) (time.Time, error) {
	timeout := time.After(limit)
	for {
		a.mu.Lock()
		at, ok := a.at[n]
		wake := a.wake
		if !ok {
			a.waiting++
		}
		a.mu.Unlock()
		if ok {
			return at, nil
		}
		var err error
		select {
		case <-wake:
		case <-timeout:
			err = fmt.Errorf("%d did not arrive within %s", n, limit)
		case <-ctx.Done():
			err = ctx.Err()
		}
		a.mu.Lock()
		a.waiting--
		a.mu.Unlock()
		if err != nil {
			return time.Time{}, err
		}
	}
}

// watchSpawned adds a trigger that NOTIFYs the original's id when a next instance is
// inserted (delivered at its commit) and listens on a connection of its own; stop drops
// the trigger.
func watchSpawned(ctx context.Context, pool *pgxpool.Pool) (*arrivals, func(), error) {
	for _, st := range []string{
		`CREATE OR REPLACE FUNCTION bench_spawned() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_notify('bench_spawned', NEW.spawned_from::text); RETURN NULL; END $$`,
		`CREATE OR REPLACE TRIGGER bench_spawned AFTER INSERT ON tasks FOR EACH ROW
		WHEN (NEW.spawned_from IS NOT NULL) EXECUTE FUNCTION bench_spawned()`,
	} {
		if _, err := pool.Exec(ctx, st); err != nil {
			return nil, nil, fmt.Errorf("adding the spawn watcher: %w", err)
		}
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN bench_spawned`); err != nil {
		conn.Release()
		return nil, nil, err
	}
	a := newArrivals()
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			n, err := conn.Conn().WaitForNotification(lctx)
			if err != nil {
				return
			}
			if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
				a.arrived(id, time.Now())
			}
		}
	})
	return a, func() {
		cancel()
		wg.Wait()
		// The wait was cancelled mid-read: the connection is not reusable.
		_ = conn.Conn().Close(context.Background())
		conn.Release()
		_, _ = pool.Exec(context.WithoutCancel(ctx), `DROP TRIGGER IF EXISTS bench_spawned ON tasks`)
		_, _ = pool.Exec(context.WithoutCancel(ctx), `DROP FUNCTION IF EXISTS bench_spawned()`)
	}, nil
}

// waitOutboxEmpty waits until every outbox row is published.
func waitOutboxEmpty(ctx context.Context, pool *pgxpool.Pool, limit time.Duration) error {
	for deadline := time.Now().Add(limit); ; time.Sleep(100 * time.Millisecond) {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL AND parked_at IS NULL`).Scan(&left); err != nil {
			return fmt.Errorf("watching the outbox: %w", err)
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d outbox rows still unpublished after %s", left, limit)
		}
	}
}
