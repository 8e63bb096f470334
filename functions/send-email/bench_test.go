package sendemail_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/outbox/outboxtest"
)

// BenchmarkSendEmail measures reminder.triggered events handled per second, each sent over
// SMTP to the in-test server, with 16 concurrent consumers and 16 database connections (send-email holds one
// while it talks SMTP; size the pool with pool_max_conns in DATABASE_URL).
// Run: go run ./shared/pglocal/cmd/pgrun -- go test -run - -bench SendEmail ./functions/send-email
func BenchmarkSendEmail(b *testing.B) {
	e := newEnvB(b, 16)
	ctx := context.Background()
	task, _ := e.reminder("Benchmark", t0.Add(time.Hour), t0.Add(time.Minute))
	// One row per iteration, written in one statement: seeding is not what is measured.
	if _, err := e.store.Pool().Exec(ctx, `INSERT INTO reminders (task_id, user_id, remind_at)
		SELECT $1, $2, $3 FROM generate_series(2, $4)`, task.ID, e.user, t0.Add(time.Minute), b.N); err != nil {
		b.Fatal(err)
	}
	e.clock.Add(time.Minute)
	outboxtest.Drain(b, e.store)
	if _, err := e.store.ClaimDueReminders(ctx, b.N+10); err != nil {
		b.Fatal(err)
	}
	events := outboxtest.OfType(outboxtest.Drain(b, e.store), event.ReminderTriggered)
	if len(events) != b.N {
		b.Fatalf("%d events for %d reminders", len(events), b.N)
	}
	work := make(chan outboxtest.Event)
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range work {
				if _, err := e.fn.Handle(ctx, ev.Event); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, ev := range events {
		work <- ev
	}
	close(work)
	wg.Wait()
	b.StopTimer()
	if got := len(e.smtp.Wait(b.N, 10*time.Second)); got != b.N {
		b.Fatalf("%d emails for %d reminders", got, b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "emails/s")
}
