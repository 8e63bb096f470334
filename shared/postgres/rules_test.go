package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// The SQL form of "open reminder" (used by the due_work view) agrees with Go's.
func TestOpenReminderRuleAgreesWithSQL(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	for _, st := range todo.ReminderStatuses {
		var open bool
		if err := s.Pool().QueryRow(context.Background(), `SELECT reminder_is_open($1)`, string(st)).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open != st.Open() {
			t.Errorf("%s: SQL says open=%v, Go says %v", st, open, st.Open())
		}
	}
}

// The KEDA wake query (SELECT work FROM due_work) counts a reminder left triggered for
// longer than StuckAfter, which the ticker re-triggers: with tick-reminders scaled to zero
// it must wake for it, not wait for unrelated work.
func TestDueWorkCountsStuckTriggeredReminders(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	if err := s.EnsureUser(ctx, todo.User{ID: "ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	title, pri := "Stuck", todo.Medium
	due := time.Now().Add(48 * time.Hour)
	task, err := s.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &pri, DueDate: todo.Some(due)})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(time.Hour)
	r, err := s.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: task.ID, At: &at})
	if err != nil {
		t.Fatal(err)
	}
	// Publish everything so only the reminder counts.
	if _, err := s.Pool().Exec(ctx, `UPDATE outbox SET published_at = now()`); err != nil {
		t.Fatal(err)
	}
	work := func() int {
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT work FROM due_work`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := work(); n != 0 {
		t.Fatalf("due_work %d before anything is due", n)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE reminders SET status = 'triggered', updated_at = now() - interval '11 minutes' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	if n := work(); n != 1 {
		t.Fatalf("due_work %d with a reminder stuck in triggered; want 1", n)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE reminders SET leased_until = now() + interval '1 minute' WHERE id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	if n := work(); n != 0 {
		t.Fatalf("due_work %d while a delivery holds the lease; want 0", n)
	}
}
