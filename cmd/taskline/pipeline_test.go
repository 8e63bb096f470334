package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/mail/mailtest"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// local is the all-in-one binary's API with the in-process pipeline running.
type local struct {
	api  *apitest.API
	smtp *mailtest.Server
	user string
	loc  *time.Location
}

func startLocal(t *testing.T, tz string) *local {
	t.Helper()
	var fns []runtime.HTTPFunction
	for _, f := range httpFunctions {
		fns = append(fns, f.routes)
	}
	api := apitest.New(t, fns...)
	srv, err := mailtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	api.Deps.Config.SMTPURL = srv.URL()
	api.Deps.Config.MailFrom = "Taskline <reminders@taskline.local>"
	api.Deps.Config.AppBaseURL = "http://localhost:8080"
	stop, err := startPipeline(context.Background(), api.Deps, pipelineConfig{MailDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	l := &local{api: api, smtp: srv, user: "lin", loc: loc}
	if err := api.Store.EnsureUser(context.Background(), todo.User{ID: l.user, Email: "lin@example.com", TimeZone: tz}); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *local) path(format string, args ...any) string {
	return "/api/" + l.user + fmt.Sprintf(format, args...)
}

func (l *local) tasks(t *testing.T) []todo.Task {
	t.Helper()
	var page todo.TaskPage
	l.api.Do(l.user, "GET", l.path("/tasks?status=all&sort=due_date"), nil).Expect(t, 200).Decode(t, &page)
	return page.Tasks
}

// TestLocalRecurringCompletion: complete a daily task over HTTP; the next instance appears,
// due the next day at the same local time.
func TestLocalRecurringCompletion(t *testing.T) {
	t.Parallel()
	l := startLocal(t, "America/Sao_Paulo")
	due := time.Now().In(l.loc).Add(time.Hour).Truncate(time.Minute)
	var task todo.Task
	l.api.Do(l.user, "POST", l.path("/tasks"), map[string]any{"title": "Feed the cat", "due_date": due.Format(time.RFC3339),
		"recurrence_pattern": "daily", "tags": []string{"home"}}).Expect(t, 201).Decode(t, &task)
	l.api.Do(l.user, "POST", l.path("/tasks/%d/complete", task.ID), nil).Expect(t, 200)
	var next *todo.Task
	for deadline := time.Now().Add(5 * time.Second); next == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, x := range l.tasks(t) {
			if x.ID != task.ID && x.Title == "Feed the cat" {
				next = &x
			}
		}
	}
	if next == nil {
		t.Fatal("no next instance appeared within 5s")
	}
	want := due.AddDate(0, 0, 1)
	if got := next.DueDate.In(l.loc); !got.Equal(want) || got.Hour() != due.Hour() || got.Minute() != due.Minute() {
		t.Fatalf("next instance due %v; want %v", got, want)
	}
	if next.Completed || len(next.Tags) != 1 || next.Tags[0].Name != "home" {
		t.Fatalf("next instance %+v: want open, tagged home", next)
	}
	// Exactly one, even though the fast path and the ticker's sweep both ran meanwhile.
	time.Sleep(2500 * time.Millisecond)
	n := 0
	for _, x := range l.tasks(t) {
		if x.Title == "Feed the cat" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d tasks titled Feed the cat; want the original and one successor", n)
	}
}

// TestLocalReminderEmail: a reminder two seconds ahead arrives by SMTP once, on time; a
// task completed before its reminder sends nothing.
func TestLocalReminderEmail(t *testing.T) {
	t.Parallel()
	l := startLocal(t, "Europe/Berlin")
	due := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	var task, done todo.Task
	l.api.Do(l.user, "POST", l.path("/tasks"), map[string]any{"title": "Call the bank", "due_date": due.Format(time.RFC3339)}).Expect(t, 201).Decode(t, &task)
	l.api.Do(l.user, "POST", l.path("/tasks"), map[string]any{"title": "Already handled", "due_date": due.Format(time.RFC3339)}).Expect(t, 201).Decode(t, &done)
	remindAt := time.Now().Add(2 * time.Second).Truncate(time.Millisecond)
	var r todo.Reminder
	l.api.Do(l.user, "POST", l.path("/reminders"), map[string]any{"task_id": task.ID, "remind_at": remindAt.Format(time.RFC3339Nano)}).Expect(t, 201).Decode(t, &r)
	l.api.Do(l.user, "POST", l.path("/reminders"), map[string]any{"task_id": done.ID, "remind_at": remindAt.Format(time.RFC3339Nano)}).Expect(t, 201)
	l.api.Do(l.user, "POST", l.path("/tasks/%d/complete", done.ID), nil).Expect(t, 200)

	msgs := l.smtp.Wait(1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d emails; want 1", len(msgs))
	}
	m := msgs[0]
	late := m.At.Sub(remindAt)
	t.Logf("reminder email received %v after its time", late)
	if late < 0 || late > time.Second {
		t.Errorf("email arrived %v after remind_at; want within 1s", late)
	}
	dueLocal := mail.FormatDue(due, l.loc)
	if m.Subject != "Reminder: Call the bank" || !strings.Contains(m.Text, dueLocal) || !strings.Contains(m.HTML, dueLocal) ||
		!strings.Contains(m.Text, fmt.Sprintf("http://localhost:8080/tasks/%d", task.ID)) || m.To[0] != "lin@example.com" {
		t.Fatalf("email %q to %v:\n%s\n%s", m.Subject, m.To, m.Text, m.HTML)
	}
	var sent struct {
		Reminders []todo.Reminder `json:"reminders"`
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		l.api.Do(l.user, "GET", l.path("/reminders?status=sent"), nil).Expect(t, 200).Decode(t, &sent)
		if len(sent.Reminders) == 1 {
			break
		}
	}
	if len(sent.Reminders) != 1 || sent.Reminders[0].ID != r.ID || !sent.Reminders[0].Sent || sent.Reminders[0].SentAt == nil {
		t.Fatalf("sent reminders %+v; want reminder %d marked sent", sent.Reminders, r.ID)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(l.smtp.Messages()); n != 1 {
		t.Fatalf("%d emails in the end; want 1 (none for the completed task)", n)
	}
}

// TestLocalBurstOfReminders: many reminders of ten users falling due at once are each
// emailed exactly once through the in-process bus (fast path, batching, the ticker's own loop).
func TestLocalBurstOfReminders(t *testing.T) {
	t.Parallel()
	l := startLocal(t, "UTC")
	const users, per = 10, 50
	const n = users * per
	ctx := context.Background()
	for u := range users {
		user := fmt.Sprintf("burst-%d", u)
		if err := l.api.Store.EnsureUser(ctx, todo.User{ID: user, Email: user + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		title, p := "Burst", todo.Medium
		task, err := l.api.Store.CreateTask(ctx, user, todo.TaskChanges{Title: &title, Priority: &p})
		if err != nil {
			t.Fatal(err)
		}
		// Written in one statement, due a second from now: the burst, not the seeding, is
		// what is measured.
		if _, err := l.api.Store.Pool().Exec(ctx, `INSERT INTO reminders (task_id, user_id, remind_at)
			SELECT $1, $2, now() + interval '1 second' FROM generate_series(1, $3)`, task.ID, user, per); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	msgs := l.smtp.Wait(n, 60*time.Second)
	took := time.Since(began) - time.Second
	if len(msgs) != n {
		t.Fatalf("%d emails for %d reminders", len(msgs), n)
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[m.MessageID] = true
	}
	if len(ids) != n {
		t.Fatalf("%d distinct Message-IDs among %d emails: duplicates", len(ids), n)
	}
	t.Logf("%d reminders due at once emailed in %v after their time (%.0f emails/s)", n, took, float64(n)/took.Seconds())
	time.Sleep(time.Second)
	if got := len(l.smtp.Messages()); got != n {
		t.Fatalf("%d emails in the end; want %d", got, n)
	}
}
