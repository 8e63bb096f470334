package sendemail_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	sendemail "github.com/taskline/taskline/functions/send-email"
	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/mail/mailtest"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type env struct {
	t     testing.TB
	store *postgres.Store
	clock *outboxtest.Clock
	smtp  *mailtest.Server
	deps  *runtime.Deps
	fn    *sendemail.Function
	user  string
}

var t0 = time.Date(2026, 3, 28, 7, 0, 0, 0, time.UTC) // the day before Berlin's spring change

func newEnv(t *testing.T) *env { return newEnvB(t, 0) }

// newEnvB starts the function on a fresh database; conns > 0 sizes its connection pool.
func newEnvB(t testing.TB, conns int) *env {
	t.Helper()
	url := pgtest.URL(t)
	if conns > 0 {
		url += fmt.Sprintf("&pool_max_conns=%d", conns) // pgtest URLs carry a query already
	}
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.New(pool)
	clock := outboxtest.NewClock(t0)
	store.Now = clock.Now
	srv, err := mailtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sender, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := runtime.Config{Name: sendemail.Name, MailFrom: "Taskline <reminders@taskline.test>", AppBaseURL: "https://app.taskline.test"}
	d := runtime.NewDeps(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), store, nil)
	e := &env{t: t, store: store, clock: clock, smtp: srv, deps: d, fn: sendemail.New(d, sender), user: "ada"}
	if err := store.EnsureUser(context.Background(), todo.User{ID: e.user, Email: "ada@example.com", TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// reminder creates a task due at due with a reminder at remindAt.
func (e *env) reminder(title string, due, remindAt time.Time) (todo.Task, todo.Reminder) {
	e.t.Helper()
	ctx := context.Background()
	pri := todo.Medium
	task, err := e.store.CreateTask(ctx, e.user, todo.TaskChanges{Title: &title, Priority: &pri, DueDate: todo.Some(due)})
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.store.CreateReminder(ctx, e.user, todo.ReminderSpec{TaskID: task.ID, At: &remindAt})
	if err != nil {
		e.t.Fatal(err)
	}
	return task, r
}

// tick claims due reminders at the clock's time and returns the reminder.triggered events.
func (e *env) tick() []outboxtest.Event {
	e.t.Helper()
	outboxtest.Drain(e.t, e.store)
	if _, err := e.store.ClaimDueReminders(context.Background(), 1000); err != nil {
		e.t.Fatal(err)
	}
	return outboxtest.OfType(outboxtest.Drain(e.t, e.store), event.ReminderTriggered)
}

func (e *env) handle(ev outboxtest.Event) {
	e.t.Helper()
	if _, err := e.fn.Handle(context.Background(), ev.Event); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) state(id int64) postgres.ReminderState {
	e.t.Helper()
	s, err := e.store.ReminderState(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestSendsTheReminderEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	due := time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC) // 10:00 in Berlin (CEST)
	task, r := e.reminder("Call the <plumber> & landlord", due, t0.Add(10*time.Second))
	if got := e.tick(); len(got) != 0 {
		t.Fatalf("%d reminders fired before their time", len(got))
	}
	e.clock.Add(10 * time.Second)
	fired := e.tick()
	if len(fired) != 1 {
		t.Fatalf("%d reminder.triggered events; want 1", len(fired))
	}
	e.handle(fired[0])
	msgs := e.smtp.Wait(1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("SMTP server received %d messages; want 1", len(msgs))
	}
	m := msgs[0]
	if m.Subject != "Reminder: Call the <plumber> & landlord" {
		t.Errorf("subject %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0] != "ada@example.com" || m.From != "reminders@taskline.test" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	const dueLocal = "Sunday, 29 March 2026 at 10:00 CEST"
	link := "https://app.taskline.test/tasks/" + itoa(task.ID)
	if !strings.Contains(m.Text, dueLocal) || !strings.Contains(m.Text, link) || !strings.Contains(m.Text, "Reminder: Call the <plumber>") {
		t.Errorf("text part lacks the title, due time in the user's zone or link:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, dueLocal) || !strings.Contains(m.HTML, `href="`+link+`"`) ||
		!strings.Contains(m.HTML, "Call the &lt;plumber&gt; &amp; landlord") {
		t.Errorf("html part lacks the escaped title, due time or link:\n%s", m.HTML)
	}
	if want := mail.MessageID(r.ID, r.RemindAt, "reminders@taskline.test"); m.MessageID != want {
		t.Errorf("Message-ID %q; want %q", m.MessageID, want)
	}
	if s := e.state(r.ID); s.Status != todo.ReminderSent || s.Attempts != 1 || s.SentAt == nil {
		t.Errorf("reminder state %+v; want sent after one attempt", s)
	}
	sent := outboxtest.OfType(outboxtest.Drain(t, e.store), event.ReminderSent)
	if len(sent) != 1 || sent[0].Topic != event.TopicNotifications {
		t.Fatalf("%d reminder.sent events; want 1 on %s", len(sent), event.TopicNotifications)
	}
	var data event.ReminderSentData
	json.Unmarshal(sent[0].Data(), &data)
	if data.ReminderID != r.ID || data.Channel != "email" || data.Recipient != "ada@example.com" {
		t.Errorf("reminder.sent %+v", data)
	}
}

func TestOneEmailUnderRedelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, r := e.reminder("Renew passport", t0.Add(time.Hour), t0.Add(time.Minute))
	e.clock.Add(time.Minute)
	fired := e.tick()
	if len(fired) != 1 {
		t.Fatalf("%d reminder.triggered; want 1", len(fired))
	}
	e.handle(fired[0])
	e.handle(fired[0])
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.fn.Handle(context.Background(), fired[0].Event); err != nil {
				t.Error(err)
			}
		}()
	}
	// Handle returns once the server accepted (or was never sent) the message: no wait.
	wg.Wait()
	if got := e.smtp.Messages(); len(got) != 1 {
		t.Fatalf("%d emails for one reminder delivered 12 times; want 1", len(got))
	}
	if s := e.state(r.ID); s.Status != todo.ReminderSent || s.Attempts != 1 {
		t.Fatalf("reminder state %+v", s)
	}
	if n := len(outboxtest.OfType(outboxtest.Drain(t, e.store), event.ReminderSent)); n != 1 {
		t.Fatalf("%d reminder.sent events; want 1", n)
	}
}

// TestRetriesThenDeadLetters drives the clock through +1, +5 and +15 minutes.
func TestRetriesThenDeadLetters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.smtp.Defer(true)
	_, r := e.reminder("Submit the report", t0.Add(2*time.Hour), t0.Add(time.Minute))
	e.clock.Add(time.Minute)
	var failed []event.ReminderFailedData
	var dlq []outboxtest.Event
	waits := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
	for attempt := 1; attempt <= 4; attempt++ {
		fired := e.tick()
		if len(fired) != 1 {
			t.Fatalf("attempt %d at %v: %d reminder.triggered; want 1", attempt, e.clock.Now(), len(fired))
		}
		var data event.ReminderTriggeredData
		json.Unmarshal(fired[0].Data(), &data)
		if data.Attempt != attempt {
			t.Fatalf("reminder.triggered says attempt %d; want %d", data.Attempt, attempt)
		}
		failedAt := e.clock.Now()
		e.handle(fired[0])
		evs := outboxtest.Drain(t, e.store)
		for _, f := range outboxtest.OfType(evs, event.ReminderFailed) {
			var d event.ReminderFailedData
			json.Unmarshal(f.Data(), &d)
			failed = append(failed, d)
		}
		for _, ev := range evs {
			if ev.Topic == event.TopicRemindersDLQ {
				dlq = append(dlq, ev)
			}
		}
		s := e.state(r.ID)
		if attempt == 4 {
			if s.Status != todo.ReminderFailed || s.Attempts != 4 || s.LastError == nil || !strings.Contains(*s.LastError, "451") {
				t.Fatalf("after the third retry: %+v; want failed with the SMTP error", s)
			}
			break
		}
		wait := waits[attempt-1]
		if s.Status != todo.ReminderRetrying || s.NextAttemptAt == nil || !s.NextAttemptAt.Equal(failedAt.Add(wait)) {
			t.Fatalf("after attempt %d: %+v; want retrying at +%v", attempt, s, wait)
		}
		// Not a moment early.
		e.clock.Add(wait - time.Second)
		if got := e.tick(); len(got) != 0 {
			t.Fatalf("retry %d fired %v early", attempt, time.Second)
		}
		e.clock.Add(time.Second)
	}
	if len(failed) != 4 {
		t.Fatalf("%d reminder.failed events; want 4", len(failed))
	}
	for i, f := range failed {
		if f.WillRetry != (i < 3) || f.ReminderID != r.ID || f.Error == "" {
			t.Errorf("reminder.failed #%d: %+v", i+1, f)
		}
	}
	if len(dlq) != 1 {
		t.Fatalf("%d events on %s; want 1", len(dlq), event.TopicRemindersDLQ)
	}
	if msg, _ := dlq[0].Extensions()[postgres.ExtDeadLetterError].(string); !strings.Contains(msg, "451") {
		t.Errorf("dead letter carries error %q; want the SMTP refusal", msg)
	}
	if dlq[0].Type() != event.ReminderTriggered || dlq[0].Key != e.user {
		t.Errorf("dead letter is %s keyed %q", dlq[0].Type(), dlq[0].Key)
	}
	// A retry after the end changes nothing.
	e.clock.Add(time.Hour)
	if got := e.tick(); len(got) != 0 {
		t.Fatalf("a failed reminder fired again")
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("refusing server recorded %d messages", n)
	}
}

// TestRecoversOnRetry: the first attempt fails, the retry a minute later succeeds.
func TestRecoversOnRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.smtp.Defer(true)
	_, r := e.reminder("Book flights", t0.Add(2*time.Hour), t0.Add(time.Minute))
	e.clock.Add(time.Minute)
	e.handle(e.tick()[0])
	e.smtp.Defer(false)
	e.clock.Add(time.Minute)
	fired := e.tick()
	if len(fired) != 1 {
		t.Fatalf("%d retries fired; want 1", len(fired))
	}
	e.handle(fired[0])
	if n := len(e.smtp.Wait(1, 5*time.Second)); n != 1 {
		t.Fatalf("%d emails; want 1", n)
	}
	if s := e.state(r.ID); s.Status != todo.ReminderSent || s.Attempts != 2 {
		t.Fatalf("state %+v; want sent after 2 attempts", s)
	}
}

func TestCompletedBeforeItFiresSendsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	task, r := e.reminder("Pick up parcel", t0.Add(time.Hour), t0.Add(time.Minute))
	if _, err := e.store.CompleteTask(context.Background(), e.user, task.ID, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Minute)
	if got := e.tick(); len(got) != 0 {
		t.Fatalf("%d reminders fired for a completed task", len(got))
	}
	if s := e.state(r.ID); s.Status != todo.ReminderCancelled {
		t.Fatalf("reminder %+v; want cancelled", s)
	}
	// Completed after the ticker fired but before send-email got the event: no email.
	task2, r2 := e.reminder("Return library books", t0.Add(3*time.Hour), e.clock.Now().Add(time.Minute))
	e.clock.Add(time.Minute)
	fired := e.tick()
	if _, err := e.store.CompleteTask(context.Background(), e.user, task2.ID, false); err != nil {
		t.Fatal(err)
	}
	e.handle(fired[0]) // synchronous: an email would have been accepted before it returns
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d emails for completed tasks", n)
	}
	if s := e.state(r2.ID); s.Status != todo.ReminderCancelled {
		t.Fatalf("reminder %+v; want cancelled", s)
	}
}

func TestMalformedEventIsDeadLettered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ev, err := event.New(ctx, event.ReminderTriggered, "reminders/1", e.user, time.Now(), map[string]any{"reminder_id": "x"})
	if err != nil {
		t.Fatal(err)
	}
	f := e.fn.EventFunction()
	// Through the in-process adapter: acknowledged (no retry loop) and dead-lettered.
	if err := runtime.InProcess(e.deps, f)(ctx, ev); err != nil {
		t.Fatalf("in-process delivery of a malformed event returned %v; want it acknowledged", err)
	}
	if err := runtime.InProcess(e.deps, f)(ctx, ev); err != nil {
		t.Fatal(err)
	}
	var dlq []outboxtest.Event
	for _, x := range outboxtest.Drain(t, e.store) {
		if x.Topic == event.TopicRemindersDLQ {
			dlq = append(dlq, x)
		}
	}
	if len(dlq) != 1 {
		t.Fatalf("%d dead letters for one malformed event delivered twice; want 1", len(dlq))
	}
	if id, _ := dlq[0].Extensions()[postgres.ExtOriginalID].(string); id != ev.ID() {
		t.Fatalf("dead letter names original %q; want %q", id, ev.ID())
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A permanent refusal (5xx) is not retried: the reminder fails at once, the event goes to
// the dead letter topic, and the user reads why without any address of ours.
func TestPermanentRefusalIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.smtp.Refuse(true)
	_, r := e.reminder("Renew passport", t0.Add(2*time.Hour), t0.Add(time.Minute))
	e.clock.Add(time.Minute)
	e.handle(e.tick()[0])
	s := e.state(r.ID)
	if s.Status != todo.ReminderFailed || s.Attempts != 1 || s.NextAttemptAt != nil {
		t.Fatalf("after a 554: %+v; want failed after 1 attempt", s)
	}
	if s.LastError == nil || !strings.Contains(*s.LastError, "554") || strings.Contains(*s.LastError, "127.0.0.1") ||
		strings.Contains(*s.LastError, e.smtp.Addr) {
		t.Fatalf("last_error %v; want the refusal without internal addresses", s.LastError)
	}
	e.clock.Add(time.Hour)
	if got := e.tick(); len(got) != 0 {
		t.Fatalf("a permanently refused reminder fired again")
	}
}

// A mail server that hangs does not block completing the task whose reminder is being
// sent: no transaction or row lock is held while the function talks SMTP.
func TestHangingMailServerDoesNotBlockCompletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	task, r := e.reminder("Pay rent", t0.Add(2*time.Hour), t0.Add(time.Minute))
	e.clock.Add(time.Minute)
	fired := e.tick()
	e.smtp.Hang(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.fn.Handle(context.Background(), fired[0].Event)
	}()
	// Wait until the delivery is talking to the server (it holds its lease then).
	if !e.smtp.WaitHanging(5 * time.Second) {
		t.Fatal("the delivery never reached the mail server")
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := e.store.CompleteTask(ctx, e.user, task.ID, false); err != nil {
		t.Fatalf("completing the task while its reminder is being sent: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("completing took %v while the mail server hung", took)
	}
	e.smtp.Hang(false)
	<-done
	if s := e.state(r.ID); s.Status != todo.ReminderCancelled {
		t.Errorf("reminder %+v; want it to stay cancelled", s)
	}
}
