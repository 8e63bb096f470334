package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/outbox"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// poisonPub fails every message of one user and accepts the others; while it publishes,
// it checks that no row it is publishing is locked (no transaction is held open across
// the network call).
type poisonPub struct {
	t      *testing.T
	store  *postgres.Store
	bad    string
	ok     map[int64]bool
	locked int
}

func (p *poisonPub) Publish(ctx context.Context, msgs []outbox.Message) []error {
	errs := make([]error, len(msgs))
	var id int64
	err := p.store.Pool().QueryRow(ctx, `SELECT id FROM outbox WHERE id = $1 FOR UPDATE NOWAIT`, msgs[0].ID).Scan(&id)
	if err != nil {
		p.locked++
	}
	for i, m := range msgs {
		if m.Key == p.bad {
			errs[i] = errors.New("year outside of range")
			continue
		}
		p.ok[m.ID] = true
	}
	return errs
}

// 520 poison events from one user, written first, do not keep the sweep from publishing
// the rows of everyone else in the same sweep; they are retried with growing waits and
// parked after todo.MaxPublishAttempts, listed for an operator and replayed on request.
func TestPoisonRowsDoNotBlockOthers(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	clock := time.Now()
	s.Now = func() time.Time { return clock }
	ctx := context.Background()
	create := func(user string, n int) {
		if err := s.EnsureUser(ctx, todo.User{ID: user}); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			title, p := fmt.Sprintf("t%d", i), todo.Medium
			if _, err := s.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	create("mallory", 520)
	create("ann", 30)
	create("bob", 30)
	clock = clock.Add(time.Minute)
	pub := &poisonPub{t: t, store: s, bad: "mallory", ok: map[int64]bool{}}
	r := outbox.New(s, pub, quiet, outbox.Options{Sync: true, BatchSize: 500})
	defer r.Close()
	n, err := r.Sweep(ctx)
	if n != 60 || len(pub.ok) != 60 {
		t.Fatalf("one sweep published %d rows of other users (err %v); want all 60", n, err)
	}
	if err == nil {
		t.Error("the sweep hid the poison rows' failures")
	}
	if pub.locked != 0 {
		t.Errorf("%d publishes ran while their rows were locked", pub.locked)
	}
	// Retried with growing waits while other events get through, then parked.
	for range todo.MaxPublishAttempts + 2 {
		clock = clock.Add(10 * time.Minute)
		create("ann", 1)
		clock = clock.Add(3 * time.Second) // past StaleAfter
		r.Sweep(ctx)
	}
	parked, err := s.ParkedOutbox(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 520 || parked[0].UserID != "mallory" || parked[0].Attempts != todo.MaxPublishAttempts ||
		parked[0].LastError == nil || *parked[0].LastError != "year outside of range" {
		t.Fatalf("%d parked rows (first %+v); want mallory's 520 with their error", len(parked), parked[0])
	}
	if n, _, _ := s.OutboxStats(ctx); n != 0 {
		t.Errorf("%d rows still waiting after parking", n)
	}
	// The operator fixes the cause and replays them.
	pub.bad = ""
	if n, err := s.ReplayOutbox(ctx, nil); err != nil || n != 520 {
		t.Fatalf("replay: %d, %v", n, err)
	}
	if n, err := r.Sweep(ctx); n != 520 || err != nil {
		t.Fatalf("after replay the sweep published %d, %v", n, err)
	}
}

// downPub is a broker that refuses every message while down and takes them all once up.
type downPub struct {
	down bool
	got  map[int64]int
}

func (p *downPub) Publish(_ context.Context, msgs []outbox.Message) []error {
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		if p.down {
			errs[i] = errors.New("dial tcp 127.0.0.1:9092: connect: connection refused")
			continue
		}
		p.got[m.ID]++
	}
	return errs
}

// A broker down for 30 minutes while users keep writing parks none of their events (a
// failure while nothing gets through is not the event's fault), and the whole backlog goes
// out in the first sweep once todo.MaxOutageWait has passed since the broker came back.
// Before, every failure counted: the first rows of the outage were parked after 9 minutes
// and the others waited up to 5 minutes after the broker's return.
func TestBrokerOutageParksNothingAndDrainsAtOnce(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	clock := time.Now()
	s.Now = func() time.Time { return clock }
	ctx := context.Background()
	users := []string{"ann", "bob", "cat"}
	written := 0
	write := func() {
		user := users[written%len(users)]
		if err := s.EnsureUser(ctx, todo.User{ID: user}); err != nil {
			t.Fatal(err)
		}
		title, p := fmt.Sprintf("t%d", written), todo.Medium
		if _, err := s.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p}); err != nil {
			t.Fatal(err)
		}
		written++
	}
	pub := &downPub{got: map[int64]int{}}
	r := outbox.New(s, pub, quiet, outbox.Options{Sync: true, BatchSize: 50})
	defer r.Close()
	write()
	clock = clock.Add(10 * time.Second)
	if n, err := r.Sweep(ctx); n != 1 || err != nil {
		t.Fatalf("with the broker up the sweep published %d, %v", n, err)
	}

	pub.down = true
	for range 30 * 6 { // a write and a sweep every 10 s for 30 minutes
		write()
		clock = clock.Add(10 * time.Second)
		if n, err := r.Sweep(ctx); n != 0 || err == nil {
			t.Fatalf("with the broker down the sweep published %d, %v", n, err)
		}
	}
	var parked, counted int
	var maxWait time.Duration
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE parked_at IS NOT NULL), coalesce(max(attempts), 0),
		coalesce(extract(epoch FROM max(next_attempt_at) - $1) * 1000, 0)::bigint * interval '1 ms'
		FROM outbox WHERE published_at IS NULL`, clock).Scan(&parked, &counted, &maxWait); err != nil {
		t.Fatal(err)
	}
	if parked != 0 || counted > 1 {
		t.Fatalf("after 30 minutes of outage %d events were parked, up to %d attempts counted; want none parked, at most the first failure counted", parked, counted)
	}
	if maxWait > todo.MaxOutageWait {
		t.Errorf("a row waits %v for its next try; want at most %v", maxWait, todo.MaxOutageWait)
	}
	var reason string
	if err := s.Pool().QueryRow(ctx, `SELECT last_error FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1`).Scan(&reason); err != nil || reason == "" {
		t.Errorf("the failure's reason was not kept (%q, %v)", reason, err)
	}

	pub.down = false
	clock = clock.Add(todo.MaxOutageWait)
	n, err := r.Sweep(ctx)
	if err != nil || n != written-1 {
		t.Fatalf("the first sweep after the broker came back published %d of %d, %v", n, written-1, err)
	}
	if w, _, _ := s.OutboxStats(ctx); w != 0 {
		t.Errorf("%d rows still waiting", w)
	}
	for id, k := range pub.got {
		if k != 1 {
			t.Errorf("row %d published %d times", id, k)
		}
	}
}
