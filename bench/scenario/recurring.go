package scenario

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/bench/seed"
)

// Recurring is scenario 5: n daily tasks created over HTTP, then completed over HTTP at
// concurrency 16; spawn-next-occurrence (on task.completed) must create each next
// instance. Measured: next instances created per second (from the first completion to the
// last instance) and how long after the last completion the last instance exists. Baseline:
// bare single-row INSERTs through pgx at the same concurrency.
func Recurring(n int) Scenario {
	const id = "5 recurring"
	return Scenario{ID: id, Name: "recurring", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		return recurring(ctx, e, id, n)
	}}
}

// recurring runs scenario 5 against e and labels the figures with id.
func recurring(ctx context.Context, e *Env, id string, n int) ([]report.Figure, error) {
	users := spread("bench-recur", n)
	ids := make([]int64, n)
	due := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	res, err := load.Run(ctx, load.Plan{Concurrency: 16, Calls: n}, func(ctx context.Context, i int) error {
		var t Task
		err := e.API.Do(ctx, "POST", users[i], "/tasks", map[string]any{"title": fmt.Sprintf("recurring %d", i),
			"due_date": due, "recurrence_pattern": "daily"}, &t, 201)
		ids[i] = t.ID
		return err
	})
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("creating recurring tasks: %d failed, first: %v", res.Errors, res.FirstError)
	}
	if err != nil {
		return nil, err
	}
	if err := seed.Users(ctx, e.Pool, seed.User{ID: "bench-insert"}); err != nil {
		return nil, err
	}
	base, err := insertBaseline(ctx, e, load.Plan{Concurrency: 16, Duration: 2 * time.Second}, "bench-insert")
	if err != nil {
		return nil, err
	}
	profile, statements := CPUProfile(ctx, e, 4), StatementProfile(ctx, e, n, "completion")
	start := time.Now()
	res, err = load.Run(ctx, load.Plan{Concurrency: 16, Calls: n}, func(ctx context.Context, i int) error {
		return e.API.Do(ctx, "POST", users[i], fmt.Sprintf("/tasks/%d/complete", ids[i]), nil, nil, 200)
	})
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("completing recurring tasks: %d failed, first: %v", res.Errors, res.FirstError)
	}
	if err != nil {
		return nil, err
	}
	completed := time.Now()
	lo, hi := slices.Min(ids), slices.Max(ids)
	var spawned int
	deadline := completed.Add(60 * time.Second)
	for {
		// A range of the unique spawned_from index: cheap, so the watcher does not take
		// the CPU the pipeline needs.
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE spawned_from BETWEEN $1 AND $2`, lo, hi).Scan(&spawned); err != nil {
			return nil, fmt.Errorf("counting next instances: %w", err)
		}
		if spawned >= n || time.Now().After(deadline) || (spawned == 0 && time.Since(completed) > 20*time.Second) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	done := time.Now()
	if p := profile(); p != "" {
		e.AddProfile(fmt.Sprintf("%s: pprof of the local binary while %s recurring tasks are completed", id, thousands(n)), p)
	}
	if st := statements(); st != "" {
		e.AddProfile(fmt.Sprintf("%s: Postgres statements while %s recurring tasks are completed and spawned", id, thousands(n)), st)
	}
	if spawned == 0 {
		reason := "no next instance appeared within 20 s of completing recurring tasks (is spawn-next-occurrence wired into the local binary?)"
		return []report.Figure{report.Missing(id, fmt.Sprintf("%s recurring tasks completed: next instances/s", thousands(n)), reason)}, nil
	}
	if spawned < n {
		return nil, fmt.Errorf("only %d of %d next instances exist 60 s after the last completion", spawned, n)
	}
	// Each series must now hold exactly two instances: the completed one and its next.
	// (The unique spawned_from makes a second successor of one instance impossible; this
	// also catches a successor spawned from the successor.)
	var all int
	if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE user_id = ANY($1)`, uniq(users)).Scan(&all); err != nil {
		return nil, fmt.Errorf("counting instances: %w", err)
	}
	dup := all - 2*n
	name := fmt.Sprintf("%s recurring tasks of %d users completed over HTTP (c=16): ", thousands(n), distinct(users))
	return []report.Figure{
		report.Measured(id, name+"completions/s", "req/s", res.PerSecond()).WithBaseline("pgx INSERT c=16", base.PerSecond()),
		report.Measured(id, name+"next instances/s (first completion → last instance)", "/s", float64(n)/done.Sub(start).Seconds()).
			WithBaseline("pgx INSERT c=16", base.PerSecond()).WithTarget(2000, report.HigherIsBetter),
		report.Measured(id, name+"last instance exists after the last completion", "ms", ms(done.Sub(completed))).
			WithNote("sampled every 10 ms"),
		report.Measured(id, "instances beyond one next per completed task", "", float64(dup)).WithTarget(0, report.LowerIsBetter),
	}, nil
}
