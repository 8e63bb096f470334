package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/bench/seed"
)

// CreateTask is scenario 2: POST /api/{user}/tasks on the local binary at each
// concurrency, against bare single-row INSERTs into tasks through pgx at the same
// concurrency, into the same Postgres.
func CreateTask(levels []int, dur time.Duration) Scenario {
	return Scenario{ID: "2 create-task", Name: "create", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		const httpUser, sqlUser = "bench-create", "bench-insert"
		if err := seed.Users(ctx, e.Pool, seed.User{ID: sqlUser}); err != nil {
			return nil, err
		}
		var figs []report.Figure
		for _, c := range levels {
			plan := load.Plan{Concurrency: c, Warmup: dur / 5, Duration: dur}
			base, err := insertBaseline(ctx, e, plan, sqlUser)
			if err != nil {
				return nil, err
			}
			api, err := NewAPI(e, e.API.Base, c)
			if err != nil {
				return nil, err
			}
			due := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
			res, err := load.Run(ctx, plan, func(ctx context.Context, n int) error {
				body := map[string]any{"title": fmt.Sprintf("Bench task %d", n), "description": "created by make bench",
					"priority": "high", "due_date": due}
				return api.Do(ctx, "POST", httpUser, "/tasks", body, nil, 201)
			})
			if err != nil {
				return nil, err
			}
			if res.Errors > 0 {
				return nil, fmt.Errorf("create-task at concurrency %d: %d of %d requests failed, first: %v", c, res.Errors, res.Errors+res.Calls, res.FirstError)
			}
			id := "2 create-task"
			lvl := fmt.Sprintf("c=%d", c)
			figs = append(figs,
				report.Measured(id, "POST /tasks requests/s, "+lvl, "req/s", res.PerSecond()).
					WithBaseline("pgx INSERT", base.PerSecond()).WithNote("%d requests", res.Calls),
				report.Measured(id, "POST /tasks p50, "+lvl, "ms", ms(res.Latencies.Quantile(0.5))).
					WithBaseline("pgx INSERT", ms(base.Latencies.Quantile(0.5))),
				report.Measured(id, "POST /tasks p99, "+lvl, "ms", ms(res.Latencies.Quantile(0.99))).
					WithBaseline("pgx INSERT", ms(base.Latencies.Quantile(0.99))),
			)
		}
		return figs, nil
	}}
}

// insertBaseline runs single-row INSERTs into tasks, each its own transaction, from a pool
// of exactly the plan's concurrency.
func insertBaseline(ctx context.Context, e *Env, plan load.Plan, user string) (load.Result, error) {
	cfg, err := pgxpool.ParseConfig(e.DatabaseURL)
	if err != nil {
		return load.Result{}, err
	}
	cfg.MaxConns, cfg.MinConns = int32(plan.Concurrency), int32(plan.Concurrency)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return load.Result{}, fmt.Errorf("opening the baseline pool: %w", err)
	}
	defer pool.Close()
	due := time.Now().Add(72 * time.Hour)
	res, err := load.Run(ctx, plan, func(ctx context.Context, n int) error {
		_, err := pool.Exec(ctx, `INSERT INTO tasks (user_id, title, description, priority, due_date) VALUES ($1, $2, $3, $4, $5)`,
			user, fmt.Sprintf("Bench task %d", n), "created by make bench", 3, due)
		return err
	})
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("baseline INSERT: %d failed, first: %v", res.Errors, res.FirstError)
	}
	return res, err
}
