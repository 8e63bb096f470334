package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
)

// The outbox is a queue: its statistics are nearly always stale. Whatever they say, a
// claim reads the rows it claims and not the whole backlog, or every publish slows down
// as events pile up (a burst of reminders, a broker outage) and the sweep turns
// quadratic. Here the statistics were taken while nothing waited, then 10,000 events
// piled up behind 20,000 published ones.
func TestOutboxClaimsReadOnlyTheRowsTheyClaim(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	pool := s.Pool()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	fill := func(n int, published bool) {
		t.Helper()
		exec(`INSERT INTO outbox (event_id, topic, partition_key, event, created_at, published_at)
			SELECT gen_random_uuid(), 'tasks', 'u' || (g % 100), '{"type":"task.created"}', now() - interval '1 minute',
				CASE WHEN $2 THEN now() END
			FROM generate_series(1, $1) g`, n, published)
	}
	exec(`ALTER TABLE outbox SET (autovacuum_enabled = false)`)
	fill(100, true)
	exec(`ANALYZE outbox`)
	fill(20000, true)
	fill(10000, false)

	var ids []int64
	rows, _ := pool.Query(ctx, `SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id DESC LIMIT 20`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) != 20 {
		t.Fatalf("ids: %v %v", ids, err)
	}
	now := time.Now()
	for _, c := range []struct {
		name  string
		where string
		claim int
		args  []any
	}{
		{"fast path: 20 rows by id", postgres.OutboxClaimByID, 20, []any{ids}},
		{"sweep: a batch of 500 from the cursor", postgres.OutboxClaimSwept, 500, []any{now, int64(0), 500}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx) // EXPLAIN ANALYZE runs the claim: take the leases back
			var raw []byte
			args := append([]any{pgx.QueryExecModeExec, now, now.Add(30 * time.Second)}, c.args...)
			if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+postgres.OutboxClaimSQL(c.where), args...).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			var plan []struct{ Plan planNode }
			if err := json.Unmarshal(raw, &plan); err != nil {
				t.Fatal(err)
			}
			if got := plan[0].Plan.ActualRows; got != float64(c.claim) {
				t.Fatalf("claimed %v rows, want %d", got, c.claim)
			}
			plan[0].Plan.each(func(n planNode) {
				if n.Relation != "outbox" {
					return
				}
				if read := (n.ActualRows + n.Removed + n.Rechecked) * n.Loops; read > float64(2*c.claim) {
					t.Errorf("%s on outbox (%s) read %v rows to claim %d; plan:\n%s", n.NodeType, n.IndexName, read, c.claim, raw)
				}
			})
		})
	}

	// Recording 20 failures reads those 20 rows and the newest publish (one row of the
	// outbox_published index), not the 20,000 published ones.
	t.Run("recording 20 failed publishes", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		reasons := make([]string, len(ids))
		for i := range reasons {
			reasons[i] = "connection refused"
		}
		var raw []byte
		if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+postgres.RecordFailuresSQL, pgx.QueryExecModeExec, ids, reasons, now).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var plan []struct{ Plan planNode }
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		read := 0.0
		plan[0].Plan.each(func(n planNode) {
			if n.Relation == "outbox" && len(n.Plans) == 0 {
				read += (n.ActualRows + n.Removed + n.Rechecked) * n.Loops
			}
		})
		if read > 2*float64(len(ids))+1 {
			t.Fatalf("read %v outbox rows to record %d failures; plan:\n%s", read, len(ids), raw)
		}
	})
}
