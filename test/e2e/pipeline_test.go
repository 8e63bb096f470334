package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/mail/mailtest"
	"github.com/taskline/taskline/shared/telemetry/otlptest"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/test/e2e"
)

// The event pipeline in its production shape: every function its own process behind its
// own daprd, Kafka (kfake) between them, the Dapr resources of infra/dapr/local (pubsub.kafka,
// the reminder-tick cron binding, the Subscriptions with dead letter topics), Postgres, and
// an SMTP server in the test.

const jwtSecret = "e2e-pipeline-secret"

type pipeline struct {
	s    *e2e.Stack
	smtp *mailtest.Server
	db   *pgxpool.Pool
	apps map[string]*e2e.App
	// otlp receives every function's spans.
	otlp *otlptest.Receiver
}

func fn(name string) string {
	return "github.com/taskline/taskline/functions/" + name + "/cmd/" + name
}

func startPipeline(t *testing.T) *pipeline {
	t.Helper()
	s := e2e.Start(t, e2e.Options{Postgres: true})
	smtp, err := mailtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtp.Close() })
	otlp, err := otlptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otlp.Close() })
	p := &pipeline{s: s, smtp: smtp, apps: map[string]*e2e.App{}, otlp: otlp}
	// Build everything first (in parallel: the build cache does the rest), then start in
	// order: create-task applies the migrations.
	names := []string{"create-task", "complete-task", "schedule-reminder", "query-tasks",
		"spawn-next-occurrence", "tick-reminders", "send-email"}
	bins := make([]string, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() { defer wg.Done(); bins[i] = e2e.Build(t, fn(n)) }()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	common := []string{"JWT_SECRET=" + jwtSecret, "LOG_LEVEL=debug",
		// Every function exports its spans to the receiver, batched every 200 ms.
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + otlp.URL, "OTEL_BSP_SCHEDULE_DELAY=200"}
	for i, n := range names {
		env := common
		switch n {
		case "create-task":
			env = append(env, "MIGRATE=true")
		case "send-email":
			env = append(env, "SMTP_URL="+smtp.URL(), "APP_BASE_URL=https://taskline.e2e", "MAIL_FROM=Taskline <reminders@taskline.e2e>")
		}
		p.apps[n] = s.StartApp(n, bins[i], env...)
	}
	p.db, err = pxpool(s.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.db.Close)
	return p
}

func pxpool(url string) (*pgxpool.Pool, error) { return pgxpool.New(context.Background(), url) }

// user records a user with an email address and zone, as a token's claims would.
func (p *pipeline) token(t *testing.T, user, tz string) string {
	t.Helper()
	tok, err := auth.Sign([]byte(jwtSecret), user, user+"@example.com", tz, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends a JSON request to app as the token's user and decodes a 2xx answer into out.
func (p *pipeline) call(t *testing.T, app, token, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.apps[app].URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s on %s: %d %s", method, path, app, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

func (p *pipeline) createTask(t *testing.T, token, user string, body map[string]any) todo.Task {
	t.Helper()
	var task todo.Task
	p.call(t, "create-task", token, "POST", "/api/"+user+"/tasks", body, &task)
	return task
}

// successor waits for the task spawned from id and returns it (via query-tasks).
func (p *pipeline) successor(t *testing.T, token, user string, id int64, timeout time.Duration) *todo.Task {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var newID int64
		err := p.db.QueryRow(context.Background(), `SELECT id FROM tasks WHERE spawned_from = $1`, id).Scan(&newID)
		if err == nil {
			var task todo.Task
			p.call(t, "query-tasks", token, "GET", fmt.Sprintf("/api/%s/tasks/%d", user, newID), nil, &task)
			return &task
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *pipeline) successors(t *testing.T, id int64) int {
	t.Helper()
	var n int
	if err := p.db.QueryRow(context.Background(), `SELECT count(*) FROM tasks WHERE spawned_from = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// records reads topic from its start for the given time and returns the CloudEvents on it.
func (p *pipeline) records(t *testing.T, topic string, d time.Duration) []cloudevents.Event {
	t.Helper()
	c := p.s.Kafka(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out []cloudevents.Event
	for ctx.Err() == nil {
		c.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var e cloudevents.Event
			if err := json.Unmarshal(r.Value, &e); err != nil {
				t.Errorf("record on %s is not a CloudEvent: %v: %s", topic, err, r.Value)
				return
			}
			out = append(out, e)
		})
	}
	return out
}

// waitRecord waits for the CloudEvent on topic that match accepts.
func (p *pipeline) waitRecord(t *testing.T, topic string, timeout time.Duration, match func(cloudevents.Event) bool) (cloudevents.Event, *kgo.Record) {
	t.Helper()
	var got cloudevents.Event
	rec := p.s.WaitRecord(t, topic, timeout, func(r *kgo.Record) bool {
		var e cloudevents.Event
		if json.Unmarshal(r.Value, &e) != nil || !match(e) {
			return false
		}
		got = e
		return true
	})
	return got, rec
}

func dataOf[T any](t *testing.T, e cloudevents.Event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(e.Data(), &v); err != nil {
		t.Fatalf("%s data: %v", e.Type(), err)
	}
	return v
}

func reminderState(t *testing.T, db *pgxpool.Pool, id int64) (status string, attempts int, next *time.Time, updated time.Time) {
	t.Helper()
	err := db.QueryRow(context.Background(), `SELECT status, attempts, next_attempt_at, updated_at FROM reminders WHERE id = $1`, id).
		Scan(&status, &attempts, &next, &updated)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestPipelineThroughDapr(t *testing.T) {
	p := startPipeline(t)

	t.Run("recurring task completed over HTTP spawns the next instance", func(t *testing.T) {
		const user, tz = "rosa", "Europe/Madrid"
		tok := p.token(t, user, tz)
		loc, _ := time.LoadLocation(tz)
		due := time.Now().In(loc).Add(2 * time.Hour).Truncate(time.Minute)
		task := p.createTask(t, tok, user, map[string]any{"title": "Water the basil", "due_date": due.Format(time.RFC3339),
			"recurrence_pattern": "daily", "tags": []string{"garden"}})
		p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID), nil, nil)
		next := p.successor(t, tok, user, task.ID, 20*time.Second)
		if next == nil {
			t.Fatal("no next instance within 20s")
		}
		if want := due.AddDate(0, 0, 1); !next.DueDate.Equal(want) || next.DueDate.In(loc).Hour() != due.Hour() {
			t.Fatalf("next instance due %v; want %v (same local time)", next.DueDate.In(loc), want)
		}
		if len(next.Tags) != 1 || next.Tags[0].Name != "garden" || next.Title != "Water the basil" {
			t.Fatalf("next instance %+v", next)
		}
		rc, rec := p.waitRecord(t, event.TopicTasks, 10*time.Second, func(e cloudevents.Event) bool {
			return e.Type() == event.RecurringTaskCreated && event.UserID(e) == user
		})
		if d := dataOf[event.RecurringTaskCreatedData](t, rc); d.OriginalTaskID != task.ID || d.NewTaskID != next.ID ||
			rc.Source() != "/functions/spawn-next-occurrence" || string(rec.Key) != user {
			t.Fatalf("recurring.task.created %+v from %s keyed %q", d, rc.Source(), rec.Key)
		}
	})

	t.Run("one trace per story, through daprd and Kafka", func(t *testing.T) { testOneTracePerStory(t, p) })
	t.Run("every function's /metrics", func(t *testing.T) { testMetricsOfEveryFunction(t, p) })

	t.Run("calendar rules: month ends, DST, end date", func(t *testing.T) {
		// Dates a year ahead: the next instance follows the due date (it is already in the
		// future), so no clock needs moving.
		const user, tz = "lena", "Europe/Berlin"
		tok := p.token(t, user, tz)
		loc, _ := time.LoadLocation(tz)
		year := time.Now().Year() + 1
		local := func(m time.Month, d, h int) time.Time { return time.Date(year, m, d, h, 0, 0, 0, loc) }
		chain := func(body map[string]any, want ...time.Time) {
			t.Helper()
			task := p.createTask(t, tok, user, body)
			for _, w := range want {
				p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID), nil, nil)
				next := p.successor(t, tok, user, task.ID, 20*time.Second)
				if next == nil {
					t.Fatalf("%s: no instance after %v", body["title"], task.DueDate)
				}
				if !next.DueDate.Equal(w) {
					t.Fatalf("%s: after %v got %v; want %v", body["title"], task.DueDate.In(loc), next.DueDate.In(loc), w)
				}
				task = *next
			}
		}
		chain(map[string]any{"title": "Rent", "recurrence_pattern": "monthly", "due_date": local(time.January, 31, 9).Format(time.RFC3339)},
			local(time.February, 28, 9), local(time.March, 31, 9)) // also crosses the March DST change
		// Daily across the October change (the last Sunday of October): 09:00 stays 09:00.
		change := 31
		for local(time.October, change, 9).Weekday() != time.Sunday {
			change--
		}
		chain(map[string]any{"title": "Stretch", "recurrence_pattern": "daily", "due_date": local(time.October, change-1, 9).Format(time.RFC3339)},
			local(time.October, change, 9), local(time.October, change+1, 9))
		if local(time.October, change-1, 9).Sub(local(time.October, change, 9)) != -25*time.Hour {
			t.Fatalf("the chain does not cross the DST change")
		}
		last := p.createTask(t, tok, user, map[string]any{"title": "Course", "recurrence_pattern": "daily",
			"due_date": local(time.June, 10, 18).Format(time.RFC3339), "recurrence_end_date": fmt.Sprintf("%d-06-10", year)})
		p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, last.ID), nil, nil)
		// A later completion proves spawn had its turn at the first one.
		probe := p.createTask(t, tok, user, map[string]any{"title": "probe", "recurrence_pattern": "daily",
			"due_date": local(time.June, 10, 18).Format(time.RFC3339)})
		p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, probe.ID), nil, nil)
		if p.successor(t, tok, user, probe.ID, 20*time.Second) == nil {
			t.Fatal("probe not handled")
		}
		if n := p.successors(t, last.ID); n != 0 {
			t.Fatalf("%d instances past the end date", n)
		}
	})

	t.Run("redelivered task.completed leaves one successor", func(t *testing.T) {
		const user = "ivan"
		tok := p.token(t, user, "UTC")
		task := p.createTask(t, tok, user, map[string]any{"title": "Weekly review", "due_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
			"recurrence_pattern": "weekly"})
		p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID), nil, nil)
		_, rec := p.waitRecord(t, event.TopicTasks, 10*time.Second, func(e cloudevents.Event) bool {
			return e.Type() == event.TaskCompleted && e.Subject() == event.TaskSubject(task.ID)
		})
		if p.successor(t, tok, user, task.ID, 20*time.Second) == nil {
			t.Fatal("no successor")
		}
		ctx := context.Background()
		pub := p.apps["complete-task"]
		for range 2 {
			if err := pub.Publish(ctx, event.TopicTasks, rec.Value, user); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := pub.Publish(ctx, event.TopicTasks, rec.Value, user); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// The twelve copies are behind a marker event on the same partition: once spawn has
		// handled the marker, it has handled them.
		time.Sleep(2 * time.Second) // and give parallel consumption, if configured, time too
		marker := p.createTask(t, tok, user, map[string]any{"title": "marker", "recurrence_pattern": "daily",
			"due_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, marker.ID), nil, nil)
		if p.successor(t, tok, user, marker.ID, 20*time.Second) == nil {
			t.Fatal("marker not handled")
		}
		if n := p.successors(t, task.ID); n != 1 {
			t.Fatalf("%d successors after 12 more deliveries; want 1", n)
		}
	})

	t.Run("reminder email arrives on time, once, in the user's zone", func(t *testing.T) {
		const user, tz = "mei", "Asia/Shanghai"
		tok := p.token(t, user, tz)
		loc, _ := time.LoadLocation(tz)
		due := time.Now().Add(5 * time.Hour).Truncate(time.Minute)
		task := p.createTask(t, tok, user, map[string]any{"title": "Pay the electricity bill", "due_date": due.Format(time.RFC3339)})
		remindAt := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
		var r todo.Reminder
		p.call(t, "schedule-reminder", tok, "POST", "/api/"+user+"/reminders",
			map[string]any{"task_id": task.ID, "remind_at": remindAt.Format(time.RFC3339Nano)}, &r)
		before := len(p.smtp.Messages())
		msgs := p.smtp.Wait(before+1, 20*time.Second)
		if len(msgs) != before+1 {
			t.Fatalf("no email within 20s")
		}
		m := msgs[before]
		t.Logf("reminder email received %v after remind_at (through daprd, Kafka and SMTP)", m.At.Sub(remindAt))
		dueLocal := mail.FormatDue(due, loc)
		if m.Subject != "Reminder: Pay the electricity bill" || m.To[0] != user+"@example.com" ||
			!strings.Contains(m.Text, dueLocal) || !strings.Contains(m.HTML, dueLocal) ||
			!strings.Contains(m.HTML, fmt.Sprintf("https://taskline.e2e/tasks/%d", task.ID)) {
			t.Fatalf("email %q to %v:\n%s\n%s", m.Subject, m.To, m.Text, m.HTML)
		}
		var sent struct {
			Reminders []todo.Reminder `json:"reminders"`
		}
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			p.call(t, "query-tasks", tok, "GET", "/api/"+user+"/reminders?status=sent", nil, &sent)
			if len(sent.Reminders) == 1 {
				break
			}
		}
		if len(sent.Reminders) != 1 || sent.Reminders[0].ID != r.ID || !sent.Reminders[0].Sent {
			t.Fatalf("sent reminders %+v", sent.Reminders)
		}
		sentEv, _ := p.waitRecord(t, event.TopicNotifications, 10*time.Second, func(e cloudevents.Event) bool {
			return e.Type() == event.ReminderSent && e.Subject() == event.ReminderSubject(r.ID)
		})
		if d := dataOf[event.ReminderSentData](t, sentEv); d.Recipient != user+"@example.com" {
			t.Fatalf("reminder.sent %+v", d)
		}

		// The triggering event delivered ten more times at once: still one email.
		_, rec := p.waitRecord(t, event.TopicReminders, 10*time.Second, func(e cloudevents.Event) bool {
			return e.Type() == event.ReminderTriggered && e.Subject() == event.ReminderSubject(r.ID)
		})
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := p.apps["tick-reminders"].Publish(context.Background(), event.TopicReminders, rec.Value, user); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		time.Sleep(3 * time.Second)
		n := 0
		for _, x := range p.smtp.Messages() {
			if x.Subject == m.Subject {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d emails for one reminder delivered 11 times; want 1", n)
		}
	})

	t.Run("completing a task before its reminder sends nothing", func(t *testing.T) {
		const user = "omar"
		tok := p.token(t, user, "UTC")
		task := p.createTask(t, tok, user, map[string]any{"title": "Cancel the gym", "due_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		var r todo.Reminder
		p.call(t, "schedule-reminder", tok, "POST", "/api/"+user+"/reminders",
			map[string]any{"task_id": task.ID, "remind_at": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)}, &r)
		p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID), nil, nil)
		time.Sleep(4 * time.Second)
		for _, m := range p.smtp.Messages() {
			if m.Subject == "Reminder: Cancel the gym" {
				t.Fatal("email sent for a completed task")
			}
		}
		if status, _, _, _ := reminderState(t, p.db, r.ID); status != "cancelled" {
			t.Fatalf("reminder %s; want cancelled", status)
		}
	})

	t.Run("SMTP deferring mail (451): retries at +1, +5, +15 minutes, then the dead letter topic", func(t *testing.T) {
		const user = "zoe"
		tok := p.token(t, user, "UTC")
		p.smtp.Defer(true) // a 5xx refusal is permanent: failed at once, no retries
		defer p.smtp.Defer(false)
		task := p.createTask(t, tok, user, map[string]any{"title": "Renew the domain", "due_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		var r todo.Reminder
		p.call(t, "schedule-reminder", tok, "POST", "/api/"+user+"/reminders",
			map[string]any{"task_id": task.ID, "remind_at": time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)}, &r)
		// Separate processes cannot share an injected clock, so the test moves each retry's
		// time to now once it has checked it (go test drives the same path with a clock).
		for i, wait := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute} {
			deadline := time.Now().Add(20 * time.Second)
			for {
				status, attempts, next, updated := reminderState(t, p.db, r.ID)
				if status == "retrying" && attempts == i+1 {
					if next == nil || !next.Equal(updated.Add(wait)) {
						t.Fatalf("retry %d scheduled at %v, %v after the failure; want +%v", i+1, next, next.Sub(updated), wait)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after attempt %d the reminder is %s with %d attempts", i+1, status, attempts)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if _, err := p.db.Exec(context.Background(), `UPDATE reminders SET next_attempt_at = now() WHERE id = $1`, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		dl, _ := p.waitRecord(t, event.TopicRemindersDLQ, 20*time.Second, func(e cloudevents.Event) bool {
			return e.Subject() == event.ReminderSubject(r.ID)
		})
		if msg, _ := dl.Extensions()["error"].(string); !strings.Contains(msg, "451") {
			t.Fatalf("dead letter carries error %q; want the SMTP refusal", msg)
		}
		if status, attempts, _, _ := reminderState(t, p.db, r.ID); status != "failed" || attempts != 4 {
			t.Fatalf("reminder %s after %d attempts; want failed after 4", status, attempts)
		}
		failed := 0
		for _, e := range p.records(t, event.TopicNotifications, 2*time.Second) {
			if e.Type() == event.ReminderFailed && e.Subject() == event.ReminderSubject(r.ID) {
				failed++
			}
		}
		if failed != 4 {
			t.Fatalf("%d reminder.failed events; want 4", failed)
		}
		n := 0
		for _, e := range p.records(t, event.TopicRemindersDLQ, 2*time.Second) {
			if e.Subject() == event.ReminderSubject(r.ID) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d dead letters; want 1", n)
		}
	})

	t.Run("malformed event goes to the dead letter topic", func(t *testing.T) {
		e := cloudevents.NewEvent()
		e.SetID("malformed-1")
		e.SetType(event.TaskCompleted)
		e.SetSource("/e2e")
		e.SetExtension(event.ExtUserID, "nobody")
		e.SetData(cloudevents.ApplicationJSON, map[string]any{"task_id": "not a number"})
		b, _ := json.Marshal(e)
		if err := p.apps["complete-task"].Publish(context.Background(), event.TopicTasks, b, "nobody"); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		dl, rec := p.waitRecord(t, event.TopicTasksDLQ, 20*time.Second, func(x cloudevents.Event) bool { return x.ID() == "malformed-1" })
		t.Logf("dead letter on %s after %v: type %s, data %s", rec.Topic, time.Since(began), dl.Type(), dl.Data())
	})

	t.Run("killed between commit and publish: the sweep delivers", func(t *testing.T) {
		// A complete-task whose fast path never runs: exactly what a process killed right
		// after commit leaves behind.
		crashy := p.s.StartApp("complete-task-nopublish", e2e.Build(t, fn("complete-task")), "JWT_SECRET="+jwtSecret, "PUBLISHER=none")
		const user = "kai"
		tok := p.token(t, user, "UTC")
		task := p.createTask(t, tok, user, map[string]any{"title": "Take out recycling", "recurrence_pattern": "weekly",
			"due_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/%s/tasks/%d/complete", crashy.URL, user, task.ID), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("complete: %v %v", resp, err)
		}
		resp.Body.Close()
		crashy.Kill()
		if p.successor(t, tok, user, task.ID, 30*time.Second) == nil {
			t.Fatal("the completion left in the outbox never reached spawn-next-occurrence")
		}
		var unpublished int
		p.db.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE published_at IS NULL AND created_at < now() - interval '5 seconds'`).Scan(&unpublished)
		if unpublished != 0 {
			t.Fatalf("%d stale outbox rows left", unpublished)
		}
	})

	t.Run("broker down for a while: nothing is lost", func(t *testing.T) {
		const user = "ada"
		tok := p.token(t, user, "UTC")
		var tasks []todo.Task
		for i := range 3 {
			tasks = append(tasks, p.createTask(t, tok, user, map[string]any{"title": fmt.Sprintf("Outage chore %d", i),
				"recurrence_pattern": "daily", "due_date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}))
		}
		p.s.StopBroker()
		for _, task := range tasks {
			p.call(t, "complete-task", tok, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, task.ID), nil, nil)
		}
		time.Sleep(5 * time.Second)
		var pending int
		p.db.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending)
		t.Logf("%d outbox rows waiting while the broker is down", pending)
		if pending == 0 {
			t.Fatal("events were marked published while the broker was down")
		}
		p.s.RestartBroker(t)
		for _, task := range tasks {
			if p.successor(t, tok, user, task.ID, 60*time.Second) == nil {
				t.Fatalf("task %d's completion was lost in the outage", task.ID)
			}
			if n := p.successors(t, task.ID); n != 1 {
				t.Fatalf("task %d has %d successors", task.ID, n)
			}
		}
	})
}
