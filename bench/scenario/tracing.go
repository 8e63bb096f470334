package scenario

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/shared/telemetry/otlptest"
)

// Tracing is scenario 8: what tracing costs. create-task at concurrency 16 on a second
// local binary that exports every span over OTLP/HTTP to a receiver in this process,
// against the run's binary without tracing, in alternating slices; and the cold start of
// create-task with an OTLP endpoint set against without. Targets: under 10% of throughput,
// under 5 ms of cold start.
func Tracing(dur time.Duration, starts int) Scenario {
	return Scenario{ID: "8 tracing", Name: "tracing", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		const id = "8 tracing"
		recv, err := otlptest.Start()
		if err != nil {
			return nil, err
		}
		defer recv.Close()
		otel := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + recv.URL, "OTEL_BSP_SCHEDULE_DELAY=500"}
		traced, err := startTasklineIn(e, "taskline-traced", otel...)
		if err != nil {
			return nil, err
		}
		defer traced.Stop(15 * time.Second)
		const c = 16
		plain, err := NewAPI(e, e.API.Base, c)
		if err != nil {
			return nil, err
		}
		withTraces, err := NewAPI(e, traced.URL, c)
		if err != nil {
			return nil, err
		}
		due := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		post := func(api *API, user string) func(context.Context, int) error {
			return func(ctx context.Context, n int) error {
				return api.Do(ctx, "POST", user, "/tasks", map[string]any{"title": fmt.Sprintf("Traced task %d", n), "priority": "high",
					"due_date": due}, nil, 201)
			}
		}
		results, err := alternate(ctx, c, dur, post(plain, "bench-untraced"), post(withTraces, "bench-traced"))
		if err != nil {
			return nil, err
		}
		off, on := results[0], results[1]
		if off.Errors > 0 || on.Errors > 0 {
			return nil, fmt.Errorf("create-task with and without tracing: %d and %d requests failed, first: %v %v", on.Errors, off.Errors, on.FirstError, off.FirstError)
		}
		// The exporter batches (every 500 ms here): wait until what was buffered has arrived.
		for last, deadline := int64(-1), time.Now().Add(10*time.Second); int64(recv.Count()) != last && time.Now().Before(deadline); {
			last = int64(recv.Count())
			time.Sleep(time.Second)
		}
		ratio := on.PerSecond() / off.PerSecond()
		figs := []report.Figure{
			report.Measured(id, "POST /tasks requests/s, c=16, every span exported over OTLP", "req/s", on.PerSecond()).
				WithBaseline("tracing off", off.PerSecond()).WithNote("%.0f%% of the untraced rate; %d spans received by the OTLP receiver", 100*ratio, int64(recv.Count())),
			report.Measured(id, "throughput kept with tracing on (target: at least 90%)", "%", 100*ratio).WithTarget(90, report.HigherIsBetter),
			report.Measured(id, "POST /tasks p99, c=16, tracing on", "ms", ms(on.Latencies.Quantile(0.99))).
				WithBaseline("tracing off", ms(off.Latencies.Quantile(0.99))),
		}
		if int64(recv.Count()) == 0 {
			return figs, fmt.Errorf("the OTLP receiver got no spans from the traced binary; log:\n%s", traced.LogTail(1500))
		}

		// Cold start of one function with and without an OTLP endpoint, round-robin.
		const fn = "create-task"
		if err := e.BuildErrors[fn]; err != nil {
			return append(figs, report.Missing(id, fn+" cold start", err.Error())), nil
		}
		env := []string{"DATABASE_URL=" + e.DatabaseURL, "JWT_SECRET=" + string(e.Secret)}
		var withOut, with []time.Duration
		for range starts {
			plain, err := startOnce(e, fn, env, false)
			if err != nil {
				return nil, err
			}
			withOut = append(withOut, plain.healthy)
			traced, err := startOnce(e, fn, append(env, otel...), false)
			if err != nil {
				return nil, err
			}
			with = append(with, traced.healthy)
		}
		medOff, medOn := load.Sorted(withOut).Quantile(0.5), load.Sorted(with).Quantile(0.5)
		figs = append(figs,
			report.Measured(id, fn+": exec → first 200 with OTLP export on (median of "+fmt.Sprint(starts)+")", "ms", ms(medOn)).
				WithBaseline("tracing off", ms(medOff)),
			report.Measured(id, fn+": cold start added by tracing (target: under 5 ms)", "ms", ms(medOn-medOff)).
				WithTarget(5, report.LowerIsBetter))
		return figs, nil
	}}
}

// startTasklineIn is StartTaskline with a data directory and log of its own, for a second
// local binary beside the run's.
func startTasklineIn(e *Env, name string, extraEnv ...string) (*Proc, error) {
	env := append([]string{"DATABASE_URL=" + e.DatabaseURL, "JWT_SECRET=" + string(e.Secret),
		"TASKLINE_DATA_DIR=" + filepath.Join(e.LogDir, name+"-data"), "HOST=127.0.0.1"}, extraEnv...)
	t0 := time.Now()
	p, err := StartProc(name, e.Bin("taskline"), e.LogDir, env, "serve")
	if err != nil {
		return nil, err
	}
	if _, err := p.WaitHealthy("/readyz", 60*time.Second, t0); err != nil {
		p.Stop(10 * time.Second)
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return p, nil
}
