package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// An operator lists the parked events and replays them.
func TestOutboxParkedAndReplay(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	s.EnsureUser(ctx, todo.User{ID: "ann"})
	title, p := "x", todo.Medium
	if _, err := s.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &p}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE outbox SET parked_at = now(), attempts = 10, last_error = 'boom'`); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := outboxCommand(ctx, s, []string{"parked"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"type":"task.created"`) || !strings.Contains(out.String(), `"last_error":"boom"`) {
		t.Fatalf("parked lists %s", out.String())
	}
	out.Reset()
	if err := outboxCommand(ctx, s, []string{"replay"}, &out); err == nil {
		t.Error("replay without ids or --all went ahead")
	}
	if err := outboxCommand(ctx, s, []string{"replay", "--all"}, &out); err != nil || !strings.HasPrefix(out.String(), "1 ") {
		t.Fatalf("replay --all: %q %v", out.String(), err)
	}
	if n, _, _ := s.OutboxStats(ctx); n != 1 {
		t.Fatalf("%d rows waiting after replay; want 1", n)
	}
}
