package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/test/e2e"
)

// TestProgrammaticSubscription runs spawn-next-occurrence with the Subscription resources
// left out, so daprd learns the route and dead letter topic from GET /dapr/subscribe.
func TestProgrammaticSubscription(t *testing.T) {
	root, err := e2e.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "infra", "dapr", "local")
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "kind: Subscription") {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := e2e.Start(t, e2e.Options{Postgres: true, Resources: dir})
	ctx := context.Background()
	pool, err := postgres.Open(ctx, s.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(pool)
	app := s.StartApp("spawn-next-occurrence", e2e.Build(t, fn("spawn-next-occurrence")), "DAPR_SUBSCRIBE=programmatic")

	// A completed recurring task, written by the store as complete-task would; its
	// task.completed is published through the sidecar.
	const user = "noor"
	store.EnsureUser(ctx, todo.User{ID: user, TimeZone: "UTC"})
	title, pri := "Call grandma", todo.High
	task, err := store.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &pri,
		DueDate: todo.Some(time.Now().Add(time.Hour).UTC().Truncate(time.Second)), Recurrence: todo.Some(todo.Weekly)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CompleteTask(ctx, user, task.ID, false); err != nil {
		t.Fatal(err)
	}
	done := outboxtest.OfType(outboxtest.Drain(t, store), event.TaskCompleted)
	if len(done) != 1 {
		t.Fatal("no task.completed in the outbox")
	}
	body, _ := json.Marshal(done[0].Event)
	if err := app.Publish(ctx, event.TopicTasks, body, user); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE spawned_from = $1`, task.ID).Scan(&n)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no next instance: the programmatic subscription did not deliver")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The dead letter topic comes from /dapr/subscribe too.
	bad := cloudevents.NewEvent()
	bad.SetID("programmatic-malformed")
	bad.SetType(event.TaskCompleted)
	bad.SetSource("/e2e")
	bad.SetExtension(event.ExtUserID, user)
	bad.SetData(cloudevents.ApplicationJSON, "not an object")
	b, _ := json.Marshal(bad)
	if err := app.Publish(ctx, event.TopicTasks, b, user); err != nil {
		t.Fatal(err)
	}
	p := &pipeline{s: s}
	p.waitRecord(t, event.TopicTasksDLQ, 20*time.Second, func(e cloudevents.Event) bool { return e.ID() == "programmatic-malformed" })
}
