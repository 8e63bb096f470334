package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskline/taskline/shared/todo"
)

// `taskline mcp --stdio`, as a desktop assistant starts it (no DATABASE_URL: the binary's
// own Postgres), runs the event pipeline: completing a daily task through the official
// MCP client makes the next instance appear, and a due reminder reaches the mail sink.
func TestMCPStdioRunsThePipeline(t *testing.T) {
	dataDir := t.TempDir()
	// As root, Postgres runs as its own user, which must reach the data folder.
	for d := dataDir; d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SMTP_URL", "")
	t.Setenv("PUBLISHER", "")
	t.Setenv("TASKLINE_DATA_DIR", dataDir)

	ctx, cancel := context.WithCancel(context.Background())
	clientIn, serverOut := io.Pipe()
	serverIn, clientOut := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runMCPStdio(ctx, []string{"--stdio", "--user", "desk"}, serverIn, serverOut) }()
	// The server stops (and stops its Postgres) before the data folder is removed.
	t.Cleanup(func() {
		clientOut.Close()
		cancel()
		<-done
	})

	// If the server ends early (it could not start), its error is the test's.
	go func() {
		if err := <-done; err != nil {
			t.Errorf("taskline mcp --stdio ended: %v", err)
			clientIn.CloseWithError(err)
		}
		close(done)
	}()
	client := mcp.NewClient(&mcp.Implementation{Name: "desktop-assistant", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.IOTransport{Reader: clientIn, Writer: clientOut}, nil)
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	callTool := func(name string, args map[string]any, out any) {
		t.Helper()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", name, err, res)
		}
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}

	due := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	var task todo.Task
	callTool("add_task", map[string]any{"title": "Stretch", "due_date": due.Format(time.RFC3339), "recurrence_pattern": "daily"}, &task)
	var rem todo.Reminder
	callTool("set_reminder", map[string]any{"task_id": task.ID, "remind_at": time.Now().UTC().Add(1500 * time.Millisecond).Format(time.RFC3339Nano)}, &rem)
	// The reminder goes out before the task is completed (which would cancel it).
	waitFor(t, 20*time.Second, "the reminder email in the mail sink", func() bool {
		files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
		return len(files) == 1
	})
	callTool("complete_task", map[string]any{"task_id": task.ID}, &task)

	var next *todo.Task
	waitFor(t, 20*time.Second, "the next instance", func() bool {
		var page todo.TaskPage
		callTool("list_tasks", map[string]any{"status": "pending"}, &page)
		if page.Count == 1 && page.Tasks[0].SpawnedFrom != nil && *page.Tasks[0].SpawnedFrom == task.ID {
			next = &page.Tasks[0]
		}
		return next != nil
	})
	if want := due.AddDate(0, 0, 1); !next.DueDate.Equal(want) {
		t.Errorf("next instance due %v, want %v", next.DueDate, want)
	}

	session.Close()
	clientOut.Close()
	cancel()
	<-done
	if files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml")); len(files) == 1 {
		b, _ := os.ReadFile(files[0])
		if !strings.Contains(string(b), "desk@localhost") || !strings.Contains(string(b), "Reminder: Stretch") {
			t.Errorf("the reminder email:\n%s", b)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("its Postgres still runs after it ended (postmaster.pid: %v)", err)
	}
}

// waitFor polls cond until it holds or the time is up: the pipeline works on its own
// schedule, and the test waits for what a user would see.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
