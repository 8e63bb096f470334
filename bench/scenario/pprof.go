package scenario

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// CPUProfile records a CPU profile of the local binary while the caller does its work,
// when the binary serves Go's profiles (PPROF_ADDR, given to it by StartTaskline). The
// returned stop ends the recording after at most seconds and returns the top functions,
// or why there is no profile.
func CPUProfile(ctx context.Context, e *Env, seconds int) (stop func() string) {
	if e.PprofURL == "" {
		return func() string { return "" }
	}
	type result struct {
		file string
		err  error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", e.PprofURL, seconds)
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			done <- result{err: fmt.Errorf("%s: %s", url, resp.Status)}
			return
		}
		f, err := os.CreateTemp(e.LogDir, "cpu-*.pprof")
		if err != nil {
			done <- result{err: err}
			return
		}
		_, err = io.Copy(f, resp.Body)
		f.Close()
		done <- result{file: f.Name(), err: err}
	}()
	return func() string {
		r := <-done
		if r.err != nil {
			return "no CPU profile: " + r.err.Error()
		}
		out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=30", e.Bin("taskline"), r.file).CombinedOutput()
		if err != nil {
			return fmt.Sprintf("go tool pprof: %v: %s", err, out)
		}
		return fmt.Sprintf("CPU profile of the local binary over %s:\n%s", time.Since(start).Round(time.Second), trimPprof(string(out)))
	}
}

// trimPprof drops pprof's header lines about the file and build.
func trimPprof(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID:") || strings.HasPrefix(l, "Type:") || strings.HasPrefix(l, "Time:") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// StatementProfile resets pg_stat_statements and returns a function that reports, for the
// statements run since, the busiest by total time, with calls per unit of work (per
// completed task, per email): how many round trips each outcome costs. It reports ""
// when the database has no pg_stat_statements (scenario 6's).
func StatementProfile(ctx context.Context, e *Env, units int, unit string) (stop func() string) {
	if _, err := e.Pool.Exec(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
		return func() string { return "" }
	}
	return func() string {
		rows, err := e.Pool.Query(ctx, `SELECT calls, total_exec_time, mean_exec_time,
				left(regexp_replace(query, '\s+', ' ', 'g'), 140)
			FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
			ORDER BY total_exec_time DESC`)
		if err != nil {
			return "no statement profile: " + err.Error()
		}
		defer rows.Close()
		var b strings.Builder
		var calls int64
		var total float64
		var lines []string
		for rows.Next() {
			var c int64
			var tot, mean float64
			var q string
			if err := rows.Scan(&c, &tot, &mean, &q); err != nil {
				return "no statement profile: " + err.Error()
			}
			calls += c
			total += tot
			if len(lines) < 15 {
				lines = append(lines, fmt.Sprintf("%8d %6.2f/%s %9.0f ms %7.3f ms  %s", c, float64(c)/float64(max(units, 1)), unit, tot, mean, q))
			}
		}
		fmt.Fprintf(&b, "pg_stat_statements: %d statements (%.1f per %s), %.0f ms of execution in Postgres\n", calls, float64(calls)/float64(max(units, 1)), unit, total)
		fmt.Fprintf(&b, "%8s %11s %12s %10s  %s\n", "calls", "per "+unit, "total", "mean", "statement")
		b.WriteString(strings.Join(lines, "\n"))
		return b.String()
	}
}
