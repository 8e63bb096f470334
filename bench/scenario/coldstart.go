package scenario

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
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

// ColdStart is scenario 1: exec to the first 200 on /healthz of each function binary,
// median of Starts starts, against a bare net/http server built the same way; and each
// one's RSS once idle.
func ColdStart(starts int, extraEnv []string) Scenario {
	return Scenario{ID: "1 cold start", Name: "coldstart", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		all, _, err := FunctionBinaries(e.Root)
		if err != nil {
			return nil, err
		}
		var names []string
		var figs []report.Figure
		for _, n := range all {
			if err := e.BuildErrors[n]; err != nil {
				figs = append(figs, report.Missing("1 cold start", n, err.Error()))
				continue
			}
			names = append(names, n)
		}
		if err := e.BuildErrors[BaselineServer]; err != nil {
			return nil, err
		}
		all = append([]string{BaselineServer}, names...)
		env := append([]string{"DATABASE_URL=" + e.DatabaseURL, "JWT_SECRET=" + string(e.Secret)}, extraEnv...)
		times := map[string][]time.Duration{}
		rss := map[string]int64{}
		// Round-robin over the binaries, so a burst of noise on the machine touches all of
		// them alike rather than one binary's whole series.
		for i := range starts {
			for _, n := range all {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				d, r, err := startOnce(e, n, env, i == starts-1)
				if err != nil {
					return nil, err
				}
				times[n] = append(times[n], d)
				if r > 0 {
					rss[n] = r
				}
			}
		}
		base := load.Sorted(times[BaselineServer]).Quantile(0.5)
		baseRSS := float64(rss[BaselineServer]) / (1 << 20)
		for _, n := range names {
			med := load.Sorted(times[n]).Quantile(0.5)
			f := report.Measured("1 cold start", n+": exec → first 200 on /healthz (median of "+fmt.Sprint(starts)+")", "ms", ms(med)).
				WithBaseline("bare net/http", ms(base)).WithTarget(50, report.LowerIsBetter)
			figs = append(figs, f)
		}
		for _, n := range names {
			figs = append(figs, report.Measured("1 cold start", n+": idle RSS", "MiB", float64(rss[n])/(1<<20)).
				WithBaseline("bare net/http", baseRSS))
		}
		return figs, nil
	}}
}

// startOnce starts bin, waits for its /healthz, optionally samples its idle RSS, and stops it.
func startOnce(e *Env, name string, env []string, sampleRSS bool) (time.Duration, int64, error) {
	t0 := time.Now()
	p, err := StartProc(name, e.Bin(name), e.LogDir, env)
	if err != nil {
		return 0, 0, err
	}
	d, err := p.WaitHealthy("/healthz", 10*time.Second, t0)
	if err != nil {
		p.Stop(5 * time.Second)
		return 0, 0, err
	}
	var rss int64
	if sampleRSS {
		time.Sleep(300 * time.Millisecond) // idle: past start-up, no requests
		if rss, err = p.RSS(); err != nil {
			p.Stop(5 * time.Second)
			return 0, 0, err
		}
	}
	if err := p.Stop(10 * time.Second); err != nil {
		return 0, 0, err
	}
	return d, rss, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ColdStartBuild lists what scenario 1 needs built, as import paths relative to the root.
func ColdStartBuild(root string) ([]string, error) {
	_, pkgs, err := FunctionBinaries(root)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(pkgs), "./bench/cmd/"+BaselineServer), nil
}
