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
// concurrency, into the same Postgres, and against the same INSERT behind a bare net/http
// server (bench/cmd/barehttp: JSON in and out, nothing else), which shows what HTTP alone
// costs on the machine; dur of each, in alternating slices.
func CreateTask(levels []int, dur time.Duration) Scenario {
	return Scenario{ID: "2 create-task", Name: "create", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		const httpUser, sqlUser, bareUser = "bench-create", "bench-insert", "bench-bare"
		if err := seed.Users(ctx, e.Pool, seed.User{ID: sqlUser}, seed.User{ID: bareUser}); err != nil {
			return nil, err
		}
		var bare *Proc
		if e.BuildErrors[BaselineServer] == nil {
			p, err := StartProc(BaselineServer, e.Bin(BaselineServer), e.LogDir, []string{"DATABASE_URL=" + e.DatabaseURL})
			if err != nil {
				return nil, err
			}
			defer p.Stop(10 * time.Second)
			if _, err := p.WaitHealthy("/healthz", 10*time.Second, time.Now()); err != nil {
				return nil, err
			}
			bare = p
		}
		var figs []report.Figure
		for _, c := range levels {
			pool, err := baselinePool(ctx, e, c)
			if err != nil {
				return nil, err
			}
			api, err := NewAPI(e, e.API.Base, c)
			if err != nil {
				pool.Close()
				return nil, err
			}
			due := time.Now().Add(72 * time.Hour)
			insert := insertFunc(pool, sqlUser, due)
			body := func(n int) map[string]any {
				return map[string]any{"title": fmt.Sprintf("Bench task %d", n), "description": "created by make bench",
					"priority": "high", "due_date": due.UTC().Format(time.RFC3339)}
			}
			post := func(ctx context.Context, n int) error {
				return api.Do(ctx, "POST", httpUser, "/tasks", body(n), nil, 201)
			}
			calls := []func(context.Context, int) error{insert, post}
			if bare != nil {
				bareAPI, err := NewAPI(e, bare.URL, c)
				if err != nil {
					pool.Close()
					return nil, err
				}
				calls = append(calls, func(ctx context.Context, n int) error {
					return bareAPI.Do(ctx, "POST", bareUser, "/tasks", body(n), nil, 201)
				})
			}
			results, err := alternate(ctx, c, dur, calls...)
			pool.Close()
			if err != nil {
				return nil, err
			}
			base, res := results[0], results[1]
			if base.Errors > 0 {
				return nil, fmt.Errorf("baseline INSERT at concurrency %d: %d failed, first: %v", c, base.Errors, base.FirstError)
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
			if bare != nil {
				b := results[2]
				if b.Errors > 0 {
					return nil, fmt.Errorf("bare net/http + INSERT at concurrency %d: %d failed, first: %v", c, b.Errors, b.FirstError)
				}
				figs = append(figs,
					report.Measured(id, "bare net/http + the same INSERT (JSON in and out, nothing else) requests/s, "+lvl, "req/s", b.PerSecond()).
						WithBaseline("pgx INSERT", base.PerSecond()).WithNote("the ceiling HTTP leaves on this machine"),
					report.Measured(id, "POST /tasks requests/s against bare net/http + INSERT, "+lvl, "req/s", res.PerSecond()).
						WithBaseline("bare net/http + INSERT", b.PerSecond()),
				)
			}
		}
		if n := len(levels); n > 0 {
			if err := createEvidence(ctx, e, httpUser, levels[n-1]); err != nil {
				return nil, err
			}
		}
		return figs, nil
	}}
}

// createEvidence creates evidenceCreates tasks at concurrency c with the CPU profile and
// the Postgres statements recorded, until the relay has published every event they caused,
// so the statements per create include the outbox's work.
func createEvidence(ctx context.Context, e *Env, user string, c int) error {
	const n = 2000
	api, err := NewAPI(e, e.API.Base, c)
	if err != nil {
		return err
	}
	profile, statements := CPUProfile(ctx, e, 3), StatementProfile(ctx, e, n, "create")
	res, err := load.Run(ctx, load.Plan{Concurrency: c, Calls: n}, func(ctx context.Context, i int) error {
		return api.Do(ctx, "POST", user, "/tasks", map[string]any{"title": fmt.Sprintf("Evidence task %d", i), "priority": "high"}, nil, 201)
	})
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("create-task evidence run: %d of %d failed, first: %v", res.Errors, n, res.FirstError)
	}
	if err != nil {
		return err
	}
	// Best effort: the statements are reported whether or not every event got out.
	_ = waitOutboxEmpty(ctx, e.Pool, 30*time.Second)
	id := "2 create-task"
	if p := profile(); p != "" {
		e.AddProfile(fmt.Sprintf("%s: pprof of the local binary while %d tasks are created at c=%d", id, n, c), p)
	}
	if st := statements(); st != "" {
		e.AddProfile(fmt.Sprintf("%s: Postgres statements while %d tasks are created at c=%d and their events published", id, n, c), st)
	}
	return nil
}

// rounds is how many slices a measured duration is cut into, alternating baseline and
// subject, so that a burst of noise from the other tenants of the machine falls on both.
const rounds = 5

// alternate runs each call in turns at concurrency c for dur each in total, after a
// warm-up of each, and returns their merged results in the same order.
func alternate(ctx context.Context, c int, dur time.Duration, calls ...func(context.Context, int) error) ([]load.Result, error) {
	warm := load.Plan{Concurrency: c, Duration: dur / 5}
	for _, call := range calls {
		if _, err := load.Run(ctx, warm, call); err != nil {
			return nil, err
		}
	}
	parts := make([][]load.Result, len(calls))
	slice := load.Plan{Concurrency: c, Duration: dur / rounds}
	for range rounds {
		for i, call := range calls {
			r, err := load.Run(ctx, slice, call)
			if err != nil {
				return nil, err
			}
			parts[i] = append(parts[i], r)
		}
	}
	out := make([]load.Result, len(calls))
	for i := range calls {
		out[i] = load.Merge(parts[i]...)
	}
	return out, nil
}

// baselinePool is a pool of exactly c connections to the run's database, all opened
// before it is returned, so no measured call pays for a connection.
func baselinePool(ctx context.Context, e *Env, c int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(e.DatabaseURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns, cfg.MinConns = int32(c), int32(c)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening the baseline pool: %w", err)
	}
	conns := make([]*pgxpool.Conn, 0, c)
	for range c {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("opening the baseline pool: %w", err)
		}
		conns = append(conns, conn)
	}
	for _, conn := range conns {
		conn.Release()
	}
	return pool, nil
}

// insertFunc is the baseline call: one single-row INSERT into tasks, its own transaction.
func insertFunc(pool *pgxpool.Pool, user string, due time.Time) func(context.Context, int) error {
	return func(ctx context.Context, n int) error {
		_, err := pool.Exec(ctx, `INSERT INTO tasks (user_id, title, description, priority, due_date) VALUES ($1, $2, $3, $4, $5)`,
			user, fmt.Sprintf("Bench task %d", n), "created by make bench", 3, due)
		return err
	}
}

// insertBaseline runs the baseline INSERT for the plan on a pool of its concurrency.
func insertBaseline(ctx context.Context, e *Env, plan load.Plan, user string) (load.Result, error) {
	pool, err := baselinePool(ctx, e, plan.Concurrency)
	if err != nil {
		return load.Result{}, err
	}
	defer pool.Close()
	res, err := load.Run(ctx, plan, insertFunc(pool, user, time.Now().Add(72*time.Hour)))
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("baseline INSERT: %d failed, first: %v", res.Errors, res.FirstError)
	}
	return res, err
}
