package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
)

// BaselineServer is the bare net/http server every function's start is compared with.
const BaselineServer = "barehttp"

// FunctionBinaries lists the function mains in the repository (functions/<name>/cmd/<name>)
// by name, and their import paths.
func FunctionBinaries(root string) (names, pkgs []string, err error) {
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "cmd", "*", "main.go"))
	if err != nil {
		return nil, nil, err
	}
	for _, m := range mains {
		rel, _ := filepath.Rel(root, filepath.Dir(m))
		names = append(names, filepath.Base(filepath.Dir(m)))
		pkgs = append(pkgs, "./"+filepath.ToSlash(rel))
	}
	return names, pkgs, nil
}

// firstRequests are the API requests scenario 1 times from exec for the functions that
// serve one: what the first user waiting on a scaled-to-zero service gets (a token checked,
// the user recorded, a query or a write in Postgres), not only /healthz.
var firstRequests = map[string]struct {
	method, path string
	body         any
	want         int
}{
	"create-task": {"POST", "/tasks", map[string]any{"title": "First task after a cold start", "priority": "high"}, 201},
	"query-tasks": {"GET", "/tasks?status=pending&sort=due_date", nil, 200},
}

// ColdStart is scenario 1: for each function binary as the images ship it, exec to the
// first 200 on /healthz, on /readyz (its Postgres pool's first connection and ping) and,
// for the API functions of firstRequests, to the first answered API request; median of
// Starts starts, against a bare net/http server built the same way; and each one's RSS
// once idle.
func ColdStart(starts int, extraEnv []string) Scenario {
	return Scenario{ID: "1 cold start", Name: "coldstart", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		const id = "1 cold start"
		all, _, err := FunctionBinaries(e.Root)
		if err != nil {
			return nil, err
		}
		var names []string
		var figs []report.Figure
		for _, n := range all {
			if err := e.BuildErrors[n]; err != nil {
				figs = append(figs, report.Missing(id, n, err.Error()))
				continue
			}
			names = append(names, n)
		}
		if err := e.BuildErrors[BaselineServer]; err != nil {
			return nil, err
		}
		all = append([]string{BaselineServer}, names...)
		env := append([]string{"DATABASE_URL=" + e.DatabaseURL, "JWT_SECRET=" + string(e.Secret)}, extraEnv...)
		healthy, ready := map[string][]time.Duration{}, map[string][]time.Duration{}
		rss := map[string]int64{}
		// Round-robin over the binaries, so a burst of noise on the machine touches all of
		// them alike rather than one binary's whole series.
		for i := range starts {
			for _, n := range all {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				s, err := startOnce(e, n, env, i == starts-1)
				if err != nil {
					return nil, err
				}
				healthy[n] = append(healthy[n], s.healthy)
				ready[n] = append(ready[n], s.ready)
				if s.rss > 0 {
					rss[n] = s.rss
				}
			}
		}
		// The first API request needs its own starts: after /readyz the pool is warm.
		api := map[string][]time.Duration{}
		var apiNames []string
		for _, n := range names {
			if _, ok := firstRequests[n]; ok {
				apiNames = append(apiNames, n)
			}
		}
		for i := range starts {
			for _, n := range apiNames {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				d, err := firstRequestOnce(ctx, e, n, env, fmt.Sprintf("bench-cold-%d", i))
				if err != nil {
					return nil, err
				}
				api[n] = append(api[n], d)
			}
		}
		median := func(ds []time.Duration) float64 { return ms(load.Sorted(ds).Quantile(0.5)) }
		base, baseReady := median(healthy[BaselineServer]), median(ready[BaselineServer])
		baseRSS := float64(rss[BaselineServer]) / (1 << 20)
		of := fmt.Sprintf(" (median of %d)", starts)
		for _, n := range names {
			figs = append(figs, report.Measured(id, n+": exec → first 200 on /healthz"+of, "ms", median(healthy[n])).
				WithBaseline("bare net/http", base).WithTarget(50, report.LowerIsBetter))
		}
		for _, n := range names {
			figs = append(figs, report.Measured(id, n+": exec → first 200 on /readyz, Postgres pinged"+of, "ms", median(ready[n])).
				WithBaseline("bare net/http /readyz", baseReady).WithTarget(50, report.LowerIsBetter))
		}
		for _, n := range apiNames {
			r := firstRequests[n]
			figs = append(figs, report.Measured(id, n+": exec → first "+r.method+" "+r.path+" answered "+fmt.Sprint(r.want)+of, "ms", median(api[n])).
				WithBaseline("bare net/http /healthz", base).WithTarget(50, report.LowerIsBetter).
				WithNote("token verified, user recorded, the first Postgres connection opened"))
		}
		for _, n := range names {
			figs = append(figs, report.Measured(id, n+": idle RSS", "MiB", float64(rss[n])/(1<<20)).
				WithBaseline("bare net/http", baseRSS))
		}
		return figs, nil
	}}
}

type started struct {
	healthy, ready time.Duration
	rss            int64
}

// startOnce starts bin, waits for its /healthz then its /readyz, optionally samples its
// idle RSS, and stops it.
func startOnce(e *Env, name string, env []string, sampleRSS bool) (started, error) {
	var s started
	t0 := time.Now()
	p, err := StartProc(name, e.Bin(name), e.LogDir, env)
	if err != nil {
		return s, err
	}
	if s.healthy, err = p.WaitHealthy("/healthz", 10*time.Second, t0); err == nil {
		s.ready, err = p.WaitHealthy("/readyz", 10*time.Second, t0)
	}
	if err != nil {
		p.Stop(5 * time.Second)
		return s, err
	}
	if sampleRSS {
		time.Sleep(300 * time.Millisecond) // idle: past start-up, no requests
		if s.rss, err = p.RSS(); err != nil {
			p.Stop(5 * time.Second)
			return s, err
		}
	}
	return s, p.Stop(10 * time.Second)
}

// firstRequestOnce starts name and sends its first API request (firstRequests) as soon as
// the port takes it, as a request waiting at the activator would be, for user; it returns
// exec → the expected answer.
func firstRequestOnce(ctx context.Context, e *Env, name string, env []string, user string) (time.Duration, error) {
	r := firstRequests[name]
	t0 := time.Now()
	p, err := StartProc(name, e.Bin(name), e.LogDir, env)
	if err != nil {
		return 0, err
	}
	api, err := NewAPI(e, p.URL, 1)
	if err == nil {
		// A new connection per try, as a first request has (the client still dials only
		// 127.0.0.1).
		api.Client.Transport.(*http.Transport).DisableKeepAlives = true
		api.Client.Timeout = 5 * time.Second
		deadline := time.Now().Add(10 * time.Second)
		for {
			err = api.Do(ctx, r.method, user, r.path, r.body, nil, r.want)
			if err == nil || !isRefused(err) || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Microsecond) // the port is not open yet
		}
	}
	d := time.Since(t0)
	if stopErr := p.Stop(10 * time.Second); err == nil {
		err = stopErr
	}
	if err != nil {
		return 0, fmt.Errorf("%s: first %s %s after start: %w; log:\n%s", name, r.method, r.path, err, p.LogTail(1500))
	}
	return d, nil
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ColdStartBuild lists what scenario 1 needs built, as import paths relative to the root.
func ColdStartBuild(root string) ([]string, error) {
	_, pkgs, err := FunctionBinaries(root)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(pkgs), "./bench/cmd/"+BaselineServer), nil
}
