package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/postgres"
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

// The ticker's claim reads each branch of the "due" rule through its own index; it must
// still take exactly what the rule (reminder_is_due, which KEDA's wake query also uses)
// calls due, the earliest first across branches, and leave everything else alone.
func TestTickerClaimsWhatTheRuleCallsDue(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	if err := s.EnsureUser(ctx, todo.User{ID: "ann", Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	title, pri := "Water the plants", todo.Medium
	task, err := s.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &pri})
	if err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	min := func(m int) time.Time { return now.Add(time.Duration(m) * time.Minute) }
	type row struct {
		name                        string
		status                      string
		remindAt                    time.Time
		nextAttempt, updated, lease *time.Time
		due                         bool
	}
	ptr := func(t time.Time) *time.Time { return &t }
	rows := []row{
		{"pending, time come", "pending", min(-3), nil, nil, nil, true},
		{"pending, time come long ago", "pending", min(-60), nil, nil, nil, true},
		{"pending, later", "pending", min(5), nil, nil, nil, false},
		{"retry, wait over", "retrying", min(-30), ptr(min(-2)), nil, nil, true},
		{"retry, still waiting", "retrying", min(-30), ptr(min(2)), nil, nil, false},
		{"triggered 11 minutes ago, no delivery", "triggered", min(-11), nil, ptr(min(-11)), nil, true},
		{"triggered 11 minutes ago, lease expired", "triggered", min(-12), nil, ptr(min(-11)), ptr(min(-1)), true},
		{"triggered 11 minutes ago, delivery holds the lease", "triggered", min(-11), nil, ptr(min(-11)), ptr(min(1)), false},
		{"triggered a minute ago", "triggered", min(-1), nil, ptr(min(-1)), nil, false},
		{"sent", "sent", min(-5), nil, nil, nil, false},
		{"failed", "failed", min(-5), nil, nil, nil, false},
		{"cancelled", "cancelled", min(-5), nil, nil, nil, false},
	}
	names := map[int64]string{}
	var wantDue []int64
	for _, r := range rows {
		var id int64
		if err := s.Pool().QueryRow(ctx, `INSERT INTO reminders (task_id, user_id, remind_at, status, next_attempt_at, updated_at, leased_until)
			VALUES ($1, 'ann', $2, $3, $4, coalesce($5, now()), $6) RETURNING id`,
			task.ID, r.remindAt, r.status, r.nextAttempt, r.updated, r.lease).Scan(&id); err != nil {
			t.Fatal(err)
		}
		names[id] = r.name
		if r.due {
			wantDue = append(wantDue, id)
		}
	}
	q, _ := s.Pool().Query(ctx, `SELECT id FROM reminders
		WHERE reminder_is_due(status, remind_at, next_attempt_at, updated_at, leased_until, $1, $2) ORDER BY id`, now, postgres.StuckAfter)
	ruleDue, err := pgx.CollectRows(q, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ruleDue, wantDue) {
		t.Fatalf("the rule calls %v due, this test expects %v: fix the test's table", ruleDue, wantDue)
	}
	claimed := func() []int64 {
		t.Helper()
		q, _ := s.Pool().Query(ctx, `SELECT (event->'data'->>'reminder_id')::bigint FROM outbox
			WHERE event->>'type' = 'reminder.triggered' ORDER BY id`)
		ids, err := pgx.CollectRows(q, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// Two at a time: the two that fell due first (remind_at, or the retry's time), whatever
	// their branch.
	if _, err := s.ClaimDueReminders(ctx, 2); err != nil {
		t.Fatal(err)
	}
	first := claimed()
	if len(first) != 2 || names[first[0]] != "pending, time come long ago" || names[first[1]] != "triggered 11 minutes ago, lease expired" {
		t.Fatalf("a claim of 2 took %v; want the earliest due: the pending of an hour ago, then the stuck one due 12 minutes ago", first)
	}
	if _, err := s.ClaimDueReminders(ctx, 100); err != nil {
		t.Fatal(err)
	}
	got := claimed()
	slices.Sort(got)
	if !slices.Equal(got, wantDue) {
		var gotNames, wantNames []string
		for _, id := range got {
			gotNames = append(gotNames, names[id])
		}
		for _, id := range wantDue {
			wantNames = append(wantNames, names[id])
		}
		t.Fatalf("the ticker triggered %q; the rule calls due %q", gotNames, wantNames)
	}
}
