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
			more, err := reminders(ctx, &d, id, sink, burst, sweep)
			figs = append(figs, more...)
			if err != nil {
				return err
			}
			more, err = recurring(ctx, &d, id, recur)
			figs = append(figs, more...)
			e.Profiles = append(e.Profiles, d.Profiles...)
			if err == nil {
				figs = append(figs, peakMemory(id, apps)...)
			}
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
