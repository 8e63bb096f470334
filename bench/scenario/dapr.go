package scenario

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/shared/mail/mailtest"
	"github.com/taskline/taskline/test/e2e"
)

// daprApps are the processes of scenario 6, in start order (create-task applies the
// migrations).
var daprApps = []string{"create-task", "complete-task", "schedule-reminder",
	"spawn-next-occurrence", "tick-reminders", "send-email"}

// Dapr is scenario 6: scenarios 4 and 5 again, with each function its own process behind
// a real daprd sidecar, events through the Kafka-protocol broker (the test/e2e harness:
// infra/dapr/local resources, kfake), its own Postgres, mail to the same SMTP sink. The
// figures sit next to the in-process ones of 4 and 5.
func Dapr(sink *mailtest.Server, burst, sweep, recur int) Scenario {
	const id = "6 daprd + Kafka"
	return Scenario{ID: id, Name: "dapr", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		if _, err := e2e.DaprdPath(); err != nil {
			return []report.Figure{report.Missing(id, "pipeline through daprd sidecars", err.Error())}, nil
		}
		for _, n := range daprApps {
			if err := e.BuildErrors[n]; err != nil {
				return []report.Figure{report.Missing(id, "pipeline through daprd sidecars", err.Error())}, nil
			}
		}
		dir, err := os.MkdirTemp(e.LogDir, "dapr-")
		if err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		var figs []report.Figure
		err = runHarness(id, dir, e.Log, func(tb *harnessTB) error {
			s := e2e.Start(tb, e2e.Options{Postgres: true})
			urls := map[string]string{}
			apps := map[string]*e2e.App{}
			t0 := time.Now()
			for _, n := range daprApps {
				env := []string{"JWT_SECRET=" + string(e.Secret)}
				switch n {
				case "create-task":
					env = append(env, "MIGRATE=true")
				case "send-email":
					env = append(env, "SMTP_URL="+sink.URL())
				}
				apps[n] = s.StartApp(n, e.Bin(n), env...)
				urls[n] = apps[n].URL
			}
			e.Log.Info("daprd stack ready", "apps", len(daprApps), "took", time.Since(t0).Round(time.Millisecond))
			pool, err := pxpool(ctx, s.DatabaseURL())
			if err != nil {
				return err
			}
			defer pool.Close()
			d := *e
			d.Pool, d.DatabaseURL, d.PprofURL, d.Profiles = pool, s.DatabaseURL(), "", nil
			d.API = &API{Client: e.API.Client, env: e, Route: routeByFunction(urls)}
			more, err := reminders(ctx, &d, id, sink, 1000, burst, sweep, 0)
			figs = append(figs, more...)
			if err != nil {
				return err
			}
			more, err = recurring(ctx, &d, id, recur)
			figs = append(figs, more...)
			e.Profiles = append(e.Profiles, d.Profiles...)
			if err != nil {
				return err
			}
			figs = append(figs, peakMemory(id, apps)...)
			t0 = time.Now()
			more, err = hops(ctx, &d, id, tb, s, apps["complete-task"], apps["spawn-next-occurrence"])
			e.Log.Info("hops measured", "took", time.Since(t0).Round(time.Millisecond), "err", err)
			figs = append(figs, more...)
			if err != nil {
				figs = append(figs, report.Missing(id, "task.completed → spawn-next-occurrence, hop by hop", err.Error()))
			}
			spawnEnv := []string{"JWT_SECRET=" + string(e.Secret)}
			more, err = fromZero(ctx, &d, id, apps["spawn-next-occurrence"], func() *e2e.App {
				return s.StartApp("spawn-next-occurrence", e.Bin("spawn-next-occurrence"), spawnEnv...)
			})
			figs = append(figs, more...)
			return err
		})
		if err != nil {
			return append(figs, report.Missing(id, "(rest of the scenario)", err.Error())), nil
		}
		if len(figs) > 0 {
			figs[0] = figs[0].WithNote("each function its own process behind daprd 1.16, events through the Kafka-protocol broker (kfake)")
		}
		return figs, nil
	}}
}

// fromZero is the first event handled after a scale from zero: spawn-next-occurrence and
// its daprd are stopped (as KEDA leaves a function with no lag), a recurring task is
// completed (its task.completed waits in Kafka), and the app and a new daprd are started
// again (as KEDA does when the lag appears); the figure is from their exec to the next
// instance existing: both processes' start, daprd joining the consumer group and
// delivering the waiting event, and the app handling it.
func fromZero(ctx context.Context, e *Env, id string, app *e2e.App, start func() *e2e.App) ([]report.Figure, error) {
	const user = "bench-from-zero"
	name := "first event after a scale from zero: exec of spawn-next-occurrence and its daprd → next instance exists"
	if err := app.Stop(); err != nil {
		return []report.Figure{report.Missing(id, name, "stopping the app: "+err.Error())}, nil
	}
	var t Task
	due := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	if err := e.API.Do(ctx, "POST", user, "/tasks", map[string]any{"title": "from zero", "due_date": due, "recurrence_pattern": "daily"}, &t, 201); err != nil {
		return nil, err
	}
	if err := e.API.Do(ctx, "POST", user, fmt.Sprintf("/tasks/%d/complete", t.ID), nil, nil, 200); err != nil {
		return nil, err
	}
	t0 := time.Now()
	start()
	started := time.Since(t0)
	for deadline := t0.Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var n int
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE spawned_from = $1`, t.ID).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			return []report.Figure{report.Missing(id, name, "no next instance 60 s after the start")}, nil
		}
	}
	return []report.Figure{report.Measured(id, name, "ms", ms(time.Since(t0))).
		WithNote("app and daprd healthy after %.0f ms; the rest is daprd joining the consumer group and delivering", ms(started))}, nil
}

// peakMemory is each app's highest resident set size over the scenario (VmHWM: the
// reminders, the sweep and the recurring load), against a target of 64 MiB, with its
// daprd's beside it.
func peakMemory(id string, apps map[string]*e2e.App) []report.Figure {
	var figs []report.Figure
	for _, n := range daprApps {
		pid, dpid := apps[n].PIDs()
		app, err := ProcMemory(pid, "VmHWM")
		if err != nil {
			figs = append(figs, report.Missing(id, n+": peak RSS under load", err.Error()))
			continue
		}
		f := report.Measured(id, n+": peak RSS under the scenario's load", "MiB", float64(app)/(1<<20)).
			WithTarget(64, report.LowerIsBetter)
		if side, err := ProcMemory(dpid, "VmHWM"); err == nil {
			f = f.WithNote("its daprd: %.0f MiB", float64(side)/(1<<20))
		}
		figs = append(figs, f)
	}
	return figs
}

var completePath = regexp.MustCompile(`^/tasks/\d+/complete$`)

// routeByFunction sends each API call to the process of the function that serves it.
func routeByFunction(urls map[string]string) func(method, path string) string {
	return func(method, path string) string {
		switch {
		case method == "POST" && path == "/tasks":
			return urls["create-task"]
		case completePath.MatchString(path):
			return urls["complete-task"]
		case path == "/reminders":
			return urls["schedule-reminder"]
		}
		panic(fmt.Sprintf("scenario 6 has no function for %s %s", method, path))
	}
}

func pxpool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	p, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connecting to the e2e Postgres: %w", err)
	}
	return p, nil
}
