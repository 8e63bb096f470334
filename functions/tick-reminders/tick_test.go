package tick_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	tick "github.com/taskline/taskline/functions/tick-reminders"
	"github.com/taskline/taskline/shared/bus"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func deps(s *postgres.Store) *runtime.Deps {
	return runtime.NewDeps(runtime.Config{Name: tick.Name}, quiet, s, nil)
}

// seed creates one task per user with n reminders each at the given times.
func seed(t testing.TB, s *postgres.Store, users int, at func(i int) time.Time, per int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for u := range users {
		user := fmt.Sprintf("user-%d", u)
		if err := s.EnsureUser(ctx, todo.User{ID: user, Email: user + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		title, p := "Stretch", todo.Low
		task, err := s.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p})
		if err != nil {
			t.Fatal(err)
		}
		for i := range per {
			when := at(u*per + i)
			r, err := s.CreateReminder(ctx, user, todo.ReminderSpec{TaskID: task.ID, At: &when})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func triggeredIDs(t testing.TB, evs []outboxtest.Event) []int64 {
	var ids []int64
	for _, e := range outboxtest.OfType(evs, event.ReminderTriggered) {
		var d event.ReminderTriggeredData
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ReminderID)
	}
	slices.Sort(ids)
	return ids
}

// TestReplicasSplitTheWork: four tickers claiming at once fire each reminder exactly once.
func TestReplicasSplitTheWork(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	clock := outboxtest.NewClock(time.Now())
	s.Now = clock.Now
	want := seed(t, s, 20, func(i int) time.Time { return clock.Now().Add(time.Duration(i+1) * time.Second) }, 20)
	outboxtest.Drain(t, s)
	clock.Add(time.Hour)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := tick.New(deps(s), nil)
			tk.Batch = 25
			if _, err := tk.Tick(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := triggeredIDs(t, outboxtest.Drain(t, s))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("triggered %d reminders (%d distinct expected); duplicates or gaps", len(got), len(want))
	}
}

// TestFiresOnTime runs the ticker's own loop with the real clock and the in-process bus,
// and measures how late each reminder.triggered reaches a consumer.
func TestFiresOnTime(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	b := bus.NewLocal()
	d := deps(s)
	relay := runtime.UsePublisher(d, s, b, outbox.Options{})
	defer relay.Close()
	var mu sync.Mutex
	var late []time.Duration
	b.Subscribe(event.TopicReminders, "test", func(_ context.Context, e cloudevents.Event) error {
		if e.Type() != event.ReminderTriggered {
			return nil
		}
		var data event.ReminderTriggeredData
		json.Unmarshal(e.Data(), &data)
		mu.Lock()
		late = append(late, time.Since(data.RemindAt))
		mu.Unlock()
		return nil
	})
	start := time.Now().Add(time.Second)
	const n = 20
	seed(t, s, 4, func(i int) time.Time { return start.Add(time.Duration(i) * 97 * time.Millisecond) }, n/4)
	tk := tick.New(d, relay)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tk.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		got := len(late)
		mu.Unlock()
		if got >= n {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(late) != n {
		t.Fatalf("%d of %d reminders fired", len(late), n)
	}
	slices.Sort(late)
	if late[0] < 0 {
		t.Fatalf("a reminder fired %v early", -late[0])
	}
	p50, worst := late[len(late)/2], late[len(late)-1]
	t.Logf("reminder lateness over %d reminders: p50 %v, max %v", n, p50, worst)
	if worst > time.Second {
		t.Fatalf("a reminder was %v late; want under 1s", worst)
	}
}

// TestSweepOf10000DueReminders: one tick claims 10,000 due reminders.
func TestSweepOf10000DueReminders(t *testing.T) {
	if testing.Short() {
		t.Skip("seeding 10,000 reminders")
	}
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	// Seeding through CreateReminder would take longer than the tick it measures; one
	// statement writes the same rows.
	seed(t, s, 1, func(int) time.Time { return time.Now().Add(time.Minute) }, 1)
	if _, err := s.Pool().Exec(ctx, `INSERT INTO reminders (task_id, user_id, remind_at)
		SELECT task_id, user_id, now() - interval '1 second' FROM reminders, generate_series(1, 9999)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE reminders SET remind_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	outboxtest.Drain(t, s)
	tk := tick.New(deps(s), nil)
	began := time.Now()
	res, err := tk.Tick(ctx)
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	if res.Triggered != 10000 {
		t.Fatalf("triggered %d; want 10000", res.Triggered)
	}
	t.Logf("one tick claimed and triggered 10,000 due reminders in %v", took)
	if took > 10*time.Second {
		t.Fatalf("tick took %v; the seed's own target is 10s", took)
	}
}

// TestRetriggersStuckReminders: a reminder whose reminder.triggered never led to a result
// (dead-lettered by the broker after a consumer kept failing) is triggered again after
// postgres.StuckAfter, once.
func TestRetriggersStuckReminders(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	clock := outboxtest.NewClock(time.Now())
	s.Now = clock.Now
	ids := seed(t, s, 1, func(int) time.Time { return clock.Now().Add(time.Second) }, 1)
	outboxtest.Drain(t, s)
	tk := tick.New(deps(s), nil)
	clock.Add(time.Second)
	tk.Tick(context.Background())
	if got := triggeredIDs(t, outboxtest.Drain(t, s)); !slices.Equal(got, ids) {
		t.Fatalf("first tick triggered %v; want %v", got, ids)
	}
	clock.Add(postgres.StuckAfter - time.Second)
	tk.Tick(context.Background())
	if got := triggeredIDs(t, outboxtest.Drain(t, s)); len(got) != 0 {
		t.Fatalf("re-triggered %v before StuckAfter", got)
	}
	clock.Add(time.Second)
	tk.Tick(context.Background())
	tk.Tick(context.Background())
	if got := triggeredIDs(t, outboxtest.Drain(t, s)); !slices.Equal(got, ids) {
		t.Fatalf("after StuckAfter triggered %v; want %v once", got, ids)
	}
}
