package spawn_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// runtimeAPI serves the AWS Lambda runtime API (the protocol the aws-lambda-go runtime
// client speaks) with a queue of invocations, and records the answers.
type runtimeAPI struct {
	next    chan []byte
	answers chan string // "response: ..." or "error: ..."
}

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
		select {
		case payload := <-a.next:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", fmt.Sprintf("req-%d", time.Now().UnixNano()))
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:000000000000:function:spawn-next-occurrence")
			w.Write(payload)
		case <-r.Context().Done():
		}
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/response"):
		b, _ := io.ReadAll(r.Body)
		a.answers <- "response: " + string(b)
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/error"):
		b, _ := io.ReadAll(r.Body)
		a.answers <- "error: " + string(b)
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// TestRunsAsLambda starts the real binary with AWS_LAMBDA_RUNTIME_API set and hands it an
// MSK batch holding a task.completed event and an HTTP request through a function URL.
func TestRunsAsLambda(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.New(pool)
	ctx := context.Background()
	store.EnsureUser(ctx, todo.User{ID: "lambda-user", TimeZone: "UTC"})
	title, pri := "Backup photos", todo.Low
	task, err := store.CreateTask(ctx, "lambda-user", todo.TaskChanges{Title: &title, Priority: &pri,
		DueDate: todo.Some(time.Now().Add(time.Hour).UTC().Truncate(time.Second)), Recurrence: todo.Some(todo.Weekly)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CompleteTask(ctx, "lambda-user", task.ID, false); err != nil {
		t.Fatal(err)
	}
	completed := outboxtest.OfType(outboxtest.Drain(t, store), event.TaskCompleted)
	if len(completed) != 1 {
		t.Fatal("no task.completed")
	}
	value, _ := json.Marshal(completed[0].Event)

	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-o", bin, "./cmd/spawn-next-occurrence")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	api := &runtimeAPI{next: make(chan []byte, 4), answers: make(chan string, 4)}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://"),
		"DATABASE_URL="+url, "PUBLISHER=none")
	logs, _ := os.Create(filepath.Join(t.TempDir(), "lambda.log"))
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			t.Logf("function log:\n%s", b)
		}
	}()

	batch, _ := json.Marshal(events.KafkaEvent{EventSource: "aws:kafka", Records: map[string][]events.KafkaRecord{
		"task-events-0": {{Topic: "task-events", Key: base64.StdEncoding.EncodeToString([]byte("lambda-user")),
			Value: base64.StdEncoding.EncodeToString(value)}}}})
	api.next <- batch
	select {
	case got := <-api.answers:
		if !strings.HasPrefix(got, "response: ") {
			t.Fatalf("MSK invocation answered %s", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no answer from the function within 30s")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE spawned_from = $1`, task.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d successors after the Lambda invocation (%v); want 1", n, err)
	}

	req, _ := json.Marshal(events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/readyz",
		RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "GET", Path: "/readyz"}}})
	api.next <- req
	select {
	case got := <-api.answers:
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal([]byte(strings.TrimPrefix(got, "response: ")), &resp); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /readyz through the function URL: %s", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no answer to the function URL request")
	}
}
