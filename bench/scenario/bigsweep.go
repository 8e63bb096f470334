package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/shared/mail/mailtest"
)

// bigSweepPrefix names the users of the large sweep; it must not match the 10,000-row
// sweep's 'bench-sweep-%'.
const bigSweepPrefix = "bench-bigsweep"

// reminderBigSweep is the large sweep of scenario 4 (DESIGN.md: 100,000 due reminders
// claimed in under 10 s). Like the 10,000-row sweep it seeds n reminders with COPY and
// makes them due at one instant, and measures due → none pending. Baseline: one bare SQL
// claim of the same n rows (the sweep's own rows, rolled back, then vacuumed away), as 4b's.
//
// The emails are not waited for: at the in-process rate (about 600/s on 2 cores) 100,000
// would take minutes, and the email rate is 4b's figure. The rate while the sweep ran is
// reported; then the rest of the backlog is cancelled (the reminders not yet leased are
// marked cancelled, so their deliveries send nothing, and their outbox rows not yet leased
// are marked published) and drained before scenario 5 starts.
func reminderBigSweep(ctx context.Context, e *Env, id string, sink *mailtest.Server, n int, base smtpResult) ([]report.Figure, error) {
	users := spread(bigSweepPrefix, n)
	t0 := time.Now()
	if err := seedReminders(ctx, e, users); err != nil {
		return nil, err
	}
	seeded := time.Since(t0)
	claim, err := claimBaseline(ctx, e, bigSweepPrefix, n)
	if err != nil {
		return nil, err
	}
	// The baseline's rolled-back versions would otherwise lie in the sweep's way.
	if _, err := e.Pool.Exec(ctx, `VACUUM (ANALYZE) reminders`); err != nil {
		return nil, fmt.Errorf("vacuuming after the baseline claim: %w", err)
	}
	before := sink.Count()
	// Making 100,000 rows due takes seconds itself (an UPDATE of the same rows as the
	// baseline claim's): they fall due only well after the UPDATE has committed, so the
	// ticker sees them all at once.
	at := time.Now().Add(max(3*time.Second, 3*claim)).Truncate(time.Millisecond)
	if _, err := e.Pool.Exec(ctx, `UPDATE reminders SET remind_at = $2 WHERE user_id LIKE $1`, bigSweepPrefix+"-%", at); err != nil {
		return nil, fmt.Errorf("making the large sweep's reminders due: %w", err)
	}
	if time.Now().After(at) {
		return nil, fmt.Errorf("making %d reminders due took past their due time; the sweep would not start at once", n)
	}
	time.Sleep(time.Until(at))
	profile, statements := CPUProfile(ctx, e, 10), StatementProfile(ctx, e, n, "reminder")
	swept, err := waitSwept(ctx, e, at, n, 120*time.Second)
	if err != nil {
		return nil, err
	}
	sent := 0
	var first time.Time
	for _, m := range sink.Messages()[before:] {
		if first.IsZero() {
			first = m.At
		}
		if !m.At.After(at.Add(swept)) {
			sent++
		}
	}
	firstAfter := "none yet"
	if !first.IsZero() {
		firstAfter = report.Format(ms(first.Sub(at)), "ms") + " after due"
	}
	// Statements first: the CPU profile may run on for the rest of its 10 s.
	if st := statements(); st != "" {
		e.AddProfile(fmt.Sprintf("%s: Postgres statements during the sweep of %s reminders (until none pending)", id, thousands(n)), st)
	}
	if p := profile(); p != "" {
		e.AddProfile(fmt.Sprintf("%s: pprof of the local binary during the sweep of %s reminders (its first 10 s)", id, thousands(n)), p)
	}
	t1 := time.Now()
	cancelled, err := drainBigSweep(ctx, e)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s due reminders of %s users (seeded): ", thousands(n), thousands(distinct(users)))
	return []report.Figure{
		report.Measured(id, name+"sweep time (due → none pending)", "ms", ms(swept)).
			WithBaseline("bare SQL claim", ms(claim)).WithTarget(10_000, report.LowerIsBetter).
			WithNote("sampled every %s; seeding (COPY) took %.1f s", report.Format(ms(sweepSampling(n)), "ms"), seeded.Seconds()),
		report.Measured(id, name+"emails/s at the SMTP sink while the sweep ran", "/s", float64(sent)/swept.Seconds()).
			WithBaseline("bare SMTP sends", base.perSec).
			WithNote("%s emails by the end of the sweep, the first %s; the %s deliveries still queued were then cancelled, not sent (drained in %.1f s)",
				thousands(sent), firstAfter, thousands(int(cancelled)), time.Since(t1).Seconds()),
	}, nil
}

// drainBigSweep cancels what is left of the large sweep's deliveries and waits until the
// outbox has nothing unpublished, so the next scenario starts without a backlog. Rows a
// relay worker or a delivery has leased are left to finish (their reminders are cancelled,
// so they send nothing). It returns how many reminders it cancelled.
func drainBigSweep(ctx context.Context, e *Env) (int64, error) {
	tag, err := e.Pool.Exec(ctx, `UPDATE reminders SET status = 'cancelled', updated_at = now()
		WHERE user_id LIKE $1 AND status = 'triggered' AND (leased_until IS NULL OR leased_until < now())`, bigSweepPrefix+"-%")
	if err != nil {
		return 0, fmt.Errorf("cancelling the large sweep's backlog: %w", err)
	}
	if _, err := e.Pool.Exec(ctx, `UPDATE outbox SET published_at = now()
		WHERE published_at IS NULL AND partition_key LIKE $1 AND (leased_until IS NULL OR leased_until < now())`, bigSweepPrefix+"-%"); err != nil {
		return 0, fmt.Errorf("dropping the large sweep's backlog: %w", err)
	}
	if err := waitOutboxEmpty(ctx, e.Pool, 90*time.Second); err != nil {
		return 0, fmt.Errorf("draining the large sweep's backlog: %w", err)
	}
	if _, err := e.Pool.Exec(ctx, `VACUUM (ANALYZE) reminders, outbox`); err != nil {
		return 0, fmt.Errorf("vacuuming after the large sweep: %w", err)
	}
	return tag.RowsAffected(), nil
}
