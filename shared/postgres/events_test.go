package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
)

// Claiming outbox rows names them on OutboxChannel, in payloads under Postgres's 8000
// bytes however many rows a batch holds, whether or not the publish then succeeds.
func TestClaimNotifiesListeners(t *testing.T) {
	t.Parallel()
	store := pgtest.Store(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	user := strings.Repeat("u", 200) // long user ids make payloads large
	var ids []int64
	for i := range 120 {
		rows, err := store.Pool().Query(ctx, `INSERT INTO outbox (event_id, topic, partition_key, event)
			VALUES (gen_random_uuid(), 'task-events', $1, $2) RETURNING id`, user, fmt.Sprintf(`{"type":"task.created","n":%d}`, i))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
	}
	// LISTEN through its own URL (a direct connection beside a pooler), here the same server.
	bad := *store
	bad.ListenURL = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"
	if err := bad.ListenOutbox(ctx, func() {}, func(string) {}); err == nil {
		t.Fatal("ListenOutbox ignored ListenURL")
	}
	store.ListenURL = store.Pool().Config().ConnString()
	named := map[int64]bool{}
	ready := make(chan struct{})
	done := make(chan error, 1)
	lctx, stop := context.WithCancel(ctx)
	go func() {
		done <- store.ListenOutbox(lctx, func() { close(ready) }, func(p string) {
			if len(p) >= 8000 {
				t.Errorf("payload of %d bytes", len(p))
			}
			refs, err := postgres.ParseOutboxNotice(p)
			if err != nil {
				t.Error(err)
			}
			for _, r := range refs {
				if r.UserID != user {
					t.Errorf("row %d named for %q", r.ID, r.UserID)
				}
				named[r.ID] = true
			}
			if len(named) == len(ids) {
				stop()
			}
		})
	}()
	<-ready
	failing := func(_ context.Context, msgs []postgres.OutboxMessage) []error {
		errs := make([]error, len(msgs))
		for i := range errs {
			errs[i] = fmt.Errorf("broker down")
		}
		return errs
	}
	store.PublishOutbox(ctx, ids, failing)
	<-done
	for _, id := range ids {
		if !named[id] {
			t.Fatalf("row %d was claimed but not named (%d of %d named)", id, len(named), len(ids))
		}
	}
	// A stream's reads: past a cursor and the late ids, in order, the user's only.
	list, err := store.UserEvents(ctx, user, ids[100], []int64{ids[3]}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 10 || list[0].ID != ids[3] || list[1].ID != ids[101] || list[0].Type != "task.created" {
		t.Fatalf("UserEvents: %d rows, first %+v", len(list), list[0])
	}
	if other, _ := store.UserEvents(ctx, "someone-else", 0, ids, 10); len(other) != 0 {
		t.Fatalf("another user read %d rows", len(other))
	}
}
