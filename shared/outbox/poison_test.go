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
	// Retried with growing waits, then parked.
	for range todo.MaxPublishAttempts + 2 {
		clock = clock.Add(10 * time.Minute)
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
