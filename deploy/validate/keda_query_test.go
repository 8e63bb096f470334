package validate

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"

	"github.com/taskline/taskline/shared/pglocal"
	"github.com/taskline/taskline/shared/postgres"
)

// tickQuery is the postgresql trigger's query as the chart renders it for production.
func tickQuery(t *testing.T) string {
	return postgresQuery(t, "tick-reminders")
}

// postgresQuery is the postgresql trigger's query of one ScaledObject (production values).
func postgresQuery(t *testing.T, scaledObject string) string {
	t.Helper()
	r, err := Render(chartDir, DefaultRelease, valuesPath("values-prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := DecodeAll(r.Manifests)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if so, ok := o.Value.(*kedav1alpha1.ScaledObject); ok && o.Name == scaledObject {
			for _, tr := range so.Spec.Triggers {
				if tr.Type == "postgresql" {
					return tr.Metadata["query"]
				}
			}
		}
	}
	t.Fatalf("no postgresql trigger on ScaledObject/%s", scaledObject)
	return ""
}

// KEDA wakes tick-reminders exactly when it has work: the rendered query runs against the
// real schema and counts due (and soon due) reminders, due retries, stuck triggered
// reminders and stale outbox rows, and nothing else (not a send in progress, not a parked
// poison row). A query that names a missing column would leave the sweeper at zero
// for ever, with KEDA only logging the error.
func TestTickRemindersWakeQueryCountsDueWork(t *testing.T) {
	t.Parallel()
	query := tickQuery(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := pglocal.Start(ctx, pglocal.Options{})
	if err != nil {
		t.Fatalf("starting Postgres: %v", err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	pool, err := postgres.Open(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	// KEDA connects as its own SELECT-only role (deploy/sql/keda-role.sql), as the
	// platform team creates it.
	roleSQL, err := os.ReadFile(repoRoot + "/deploy/sql/keda-role.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, strings.ReplaceAll(string(roleSQL), ":'keda_password'", "'keda-test-password'")); err != nil {
		t.Fatalf("deploy/sql/keda-role.sql: %v", err)
	}
	kedaURL, err := url.Parse(pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	kedaURL.User = url.UserPassword("taskline_keda", "keda-test-password")
	keda, err := postgres.Open(ctx, kedaURL.String())
	if err != nil {
		t.Fatalf("connecting as KEDA's role: %v", err)
	}
	defer keda.Close()
	mailQuery := postgresQuery(t, "send-email")
	count := func() int64 {
		t.Helper()
		var n, mail int64
		if err := keda.QueryRow(ctx, query).Scan(&n); err != nil {
			t.Fatalf("the KEDA query fails on the real schema as KEDA's role: %v\n%s", err, query)
		}
		if err := keda.QueryRow(ctx, mailQuery).Scan(&mail); err != nil {
			t.Fatalf("send-email's KEDA query fails as KEDA's role: %v\n%s", err, mailQuery)
		}
		var reminders int64
		// The store's own rule (migration 00011's reminder_is_due; the ticker's claim takes
		// exactly its rows, TestTickerClaimsWhatTheRuleCallsDue), two minutes ahead.
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM reminders WHERE reminder_is_due(status, remind_at, next_attempt_at, updated_at, leased_until, now() + interval '2 minutes', interval '10 minutes')`).Scan(&reminders); err != nil {
			t.Fatal(err)
		}
		if mail != reminders {
			t.Fatalf("send-email wakes on %d due reminders, tick-reminders sees %d", mail, reminders)
		}
		return n
	}
	// The role reads nothing else and writes nothing.
	for _, sql := range []string{`SELECT email FROM users`, `SELECT title FROM tasks`, `SELECT event FROM outbox`, `UPDATE reminders SET status = 'sent'`, `DELETE FROM outbox`} {
		if _, err := keda.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("KEDA's role may run %q (%v)", sql, err)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("empty database: %d, want 0 (KEDA would wake the sweeper for nothing)", n)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO users (id, email) VALUES ('u1', 'u1@example.com')`)
	var task int64
	if err := pool.QueryRow(ctx, `INSERT INTO tasks (user_id, title) VALUES ('u1', 't') RETURNING id`).Scan(&task); err != nil {
		t.Fatal(err)
	}
	reminder := func(status string, remindAt, nextAttempt any) {
		exec(`INSERT INTO reminders (task_id, user_id, remind_at, status, next_attempt_at) VALUES ($1, 'u1', $2, $3, $4)`, task, remindAt, status, nextAttempt)
	}
	now := time.Now()
	// Not work: far in the future, or already finished.
	reminder("pending", now.Add(time.Hour), nil)
	reminder("sent", now.Add(-time.Hour), nil)
	reminder("failed", now.Add(-time.Hour), nil)
	reminder("cancelled", now.Add(-time.Hour), nil)
	reminder("retrying", now.Add(-time.Hour), now.Add(time.Hour))
	exec(`INSERT INTO outbox (event_id, topic, partition_key, event, created_at, published_at) VALUES (gen_random_uuid(), 'task-events', 'u1', '{}', now() - interval '1 hour', now())`)
	exec(`INSERT INTO outbox (event_id, topic, partition_key, event) VALUES (gen_random_uuid(), 'task-events', 'u1', '{}')`) // being published right now
	// A triggered reminder whose email is being sent, and a parked poison row.
	exec(`INSERT INTO reminders (task_id, user_id, remind_at, status, updated_at) VALUES ($1, 'u1', now() - interval '1 minute', 'triggered', now())`, task)
	exec(`INSERT INTO outbox (event_id, topic, partition_key, event, created_at, parked_at) VALUES (gen_random_uuid(), 'task-events', 'u1', '{}', now() - interval '1 hour', now())`)
	if n := count(); n != 0 {
		t.Fatalf("nothing is due: %d, want 0", n)
	}
	// Work: a reminder due now, one due within the wake-ahead window, a retry whose time has
	// come, and an outbox row a crashed publisher left behind.
	reminder("pending", now.Add(-time.Second), nil)
	reminder("pending", now.Add(time.Minute), nil)
	reminder("retrying", now.Add(-time.Hour), now.Add(-time.Second))
	exec(`INSERT INTO outbox (event_id, topic, partition_key, event, created_at) VALUES (gen_random_uuid(), 'task-events', 'u1', '{}', now() - interval '5 minutes')`)
	// ... and a triggered reminder stuck for 11 minutes (its event was lost): the ticker
	// triggers it again, so KEDA must wake it (issue 12, item 12).
	exec(`INSERT INTO reminders (task_id, user_id, remind_at, status, updated_at) VALUES ($1, 'u1', now() - interval '20 minutes', 'triggered', now() - interval '11 minutes')`, task)
	if n := count(); n != 5 {
		t.Fatalf("due work: %d, want 5", n)
	}
}
