// Command bench is `make bench`: it builds Taskline's binaries, starts its own PostgreSQL,
// runs every scenario against the public entry points (HTTP, events, SMTP), each with a
// baseline measured in the same run, prints the table as markdown and writes
// bench/results/latest.md and latest.json. It only talks to 127.0.0.1 and stops everything
// it started, by PID, before it exits.
//
//	go run ./bench/cmd/bench [-only create,list] [-quick] [-out bench/results]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/bench/scenario"
	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/mail/mailtest"
	"github.com/taskline/taskline/shared/pglocal"
	"github.com/taskline/taskline/shared/postgres"
)

func main() {
	out := flag.String("out", "", "directory for latest.md and latest.json (default <repo>/bench/results)")
	only := flag.String("only", "", "comma-separated scenarios to run (coldstart,create,list,reminders,recurring,dapr,chat,tracing); default all")
	quick := flag.Bool("quick", false, "short runs, for checking the benchmark itself; figures are not comparable")
	budget := flag.Duration("budget", 11*time.Minute, "the whole run stops after this")
	render := flag.String("render", "", "only rewrite latest.md from this latest.json (after a change to the table's layout)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *render != "" {
		if err := rerender(*render); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(log, *out, *only, *quick, *budget); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, out, only string, quick bool, budget time.Duration) error {
	started := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	root, err := repoRoot()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "bench", "results")
	}
	work, err := os.MkdirTemp("", "taskline-bench-")
	if err != nil {
		return err
	}
	if os.Getenv("BENCH_KEEP") != "" {
		log.Info("keeping the work directory (binaries, process logs)", "dir", work)
	} else {
		defer os.RemoveAll(work)
	}
	e := &scenario.Env{Root: root, BinDir: filepath.Join(work, "bin"), LogDir: filepath.Join(work, "log"),
		Secret: auth.NewSecret(), Log: log, Quick: quick}
	if err := os.MkdirAll(e.LogDir, 0o755); err != nil {
		return err
	}
	// Postgres runs as its own OS user under root; it needs to traverse into work.
	if err := os.Chmod(work, 0o755); err != nil {
		return err
	}

	sink, err := mailtest.Start()
	if err != nil {
		return err
	}
	defer sink.Close()
	model, err := scenario.StartScriptedModel()
	if err != nil {
		return err
	}
	defer model.Close()
	scenarios := plan(quick, sink, model)
	if only != "" {
		want := strings.Split(only, ",")
		scenarios = slices.DeleteFunc(scenarios, func(s scenario.Scenario) bool { return !slices.Contains(want, s.Name) })
	}

	log.Info("building binaries")
	pkgs, err := scenario.ColdStartBuild(root)
	if err != nil {
		return err
	}
	e.BuildErrors = map[string]error{}
	for pkg, err := range scenario.Build(ctx, root, e.BinDir, append(pkgs, "./cmd/taskline")...) {
		log.Warn("a binary did not build; its figures will show why", "err", err)
		e.BuildErrors[filepath.Base(pkg)] = err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	log.Info("starting PostgreSQL")
	pg, err := pglocal.Start(ctx, pglocal.Options{Settings: map[string]string{
		"max_connections": "300",
		// auto_explain is loaded but off (log_min_duration -1) until a scenario profiles;
		// pg_stat_statements counts the statements behind each outcome.
		"shared_preload_libraries": "auto_explain,pg_stat_statements",
	}})
	if err != nil {
		return err
	}
	defer func() {
		if err := pg.Stop(); err != nil {
			log.Error("stopping PostgreSQL", "err", err)
		}
	}()
	e.PGLog = filepath.Join(pg.Dir(), "server.log")
	if err := createDatabase(ctx, pg.URL(), "taskline_bench"); err != nil {
		return err
	}
	e.DatabaseURL = pg.DatabaseURL("taskline_bench")
	if e.Pool, err = postgres.Open(ctx, e.DatabaseURL); err != nil {
		return err
	}
	defer e.Pool.Close()
	if err := postgres.Migrate(ctx, e.Pool); err != nil {
		return err
	}
	if _, err := e.Pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return fmt.Errorf("enabling pg_stat_statements: %w", err)
	}

	r := &report.Report{Date: started.UTC(), Machine: machine(ctx, e)}
	r.Settings = append(r.Settings,
		"PostgreSQL 15 started by the benchmark (shared/pglocal: fsync off, as in the tests; 128 MB shared_buffers); "+
			"the local binary, the load generator and Postgres share the same CPUs.",
		"Binaries built as the images ship them (CGO off, -trimpath, -s -w, tags lambda.norpc,timetzdata).")
	if quick {
		r.Settings = append(r.Settings, "QUICK RUN (-quick): short series, figures not comparable with a full run.")
	}
	var timings []string
	appStarted := false
	var app *scenario.Proc
	defer func() {
		if app != nil {
			if err := app.Stop(15 * time.Second); err != nil {
				log.Error("stopping the local binary", "err", err)
			}
		}
	}()
	for _, s := range scenarios {
		if s.Name != "coldstart" && !appStarted {
			// Every scenario after the cold starts uses one local binary, as a user runs it.
			log.Info("starting the local binary")
			appStarted = true
			if err := e.BuildErrors["taskline"]; err != nil {
				return err
			}
			// The chat answers with the scripted model (scenario 7).
			if app, err = scenario.StartTaskline(e, "SMTP_URL="+sink.URL(), "OPENAI_BASE_URL="+model.URL, "CHAT_MODEL=scripted"); err != nil {
				return err
			}
			if e.API, err = scenario.NewAPI(e, app.URL, 16); err != nil {
				return err
			}
		}
		log.Info("scenario", "id", s.ID)
		t0 := time.Now()
		figs, err := s.Run(ctx, e)
		if err != nil {
			log.Error("scenario failed", "id", s.ID, "err", err)
			if ctx.Err() != nil {
				err = fmt.Errorf("the run's %s budget ran out (%w)", budget, err)
			}
			figs = append(figs, report.Missing(s.ID, "(whole scenario)", err.Error()))
		}
		r.Add(figs...)
		timings = append(timings, fmt.Sprintf("%s %.0f s", s.ID, time.Since(t0).Seconds()))
	}
	if app != nil {
		// Every function in one process, after all the load of the run.
		if peak, err := app.PeakRSS(); err == nil {
			r.Add(report.Measured("2 create-task", "local binary (every function in one process): peak RSS over the whole run", "MiB", float64(peak)/(1<<20)).
				WithNote("per function, behind daprd: scenario 6"))
		}
	}
	r.Settings = append(r.Settings, "Time per scenario: "+strings.Join(timings, ", ")+".")
	r.Profiles = e.Profiles
	r.Elapsed = time.Since(started)
	if err := r.WriteFiles(out); err != nil {
		return err
	}
	r.Markdown(os.Stdout)
	fmt.Fprintf(os.Stdout, "\nwrote %s and %s\n", filepath.Join(out, "latest.md"), filepath.Join(out, "latest.json"))
	return nil
}

// plan is every scenario with the sizes of a full run (or of a quick one).
func plan(quick bool, sink *mailtest.Server, model *scenario.ScriptedModel) []scenario.Scenario {
	starts, dur, calls, burst, sweep, recurring := 20, 5*time.Second, 200, 1_000, 10_000, 10_000
	// The large sweep (DESIGN.md: 100,000 in under 10 s) comes after the 10,000-row one.
	bigSweep := 100_000
	users := []scenario.ListUser{{ID: "bench-100k", Tasks: 100_000}, {ID: "bench-1k", Tasks: 1_000}}
	// With the crowd, the table holds 1,001,000 tasks of 9,002 users.
	crowd := scenario.Crowd{Users: 9_000, PerUser: 100}
	if quick {
		crowd = scenario.Crowd{Users: 100, PerUser: 100}
		starts, dur, calls, burst, sweep, recurring = 3, time.Second, 20, 100, 1_000, 1_000
		bigSweep = 5_000
		users = []scenario.ListUser{{ID: "bench-10k", Tasks: 10_000}, {ID: "bench-1k", Tasks: 1_000}}
	}
	return []scenario.Scenario{
		scenario.ColdStart(starts, []string{"SMTP_URL=" + sink.URL()}),
		scenario.CreateTask([]int{1, 16}, dur),
		scenario.List(users, crowd, calls),
		scenario.Reminders(sink, burst, sweep, bigSweep),
		scenario.Recurring(recurring),
		scenario.Dapr(sink, burst, sweep/2, recurring/2),
		scenario.Chat(model, calls),
		scenario.Tracing(dur, starts),
	}
}

// rerender rewrites latest.md (and latest.json, unchanged in content) next to a saved
// latest.json.
func rerender(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	r.Elapsed = time.Duration(r.Seconds * float64(time.Second))
	return r.WriteFiles(filepath.Dir(path))
}

func createDatabase(ctx context.Context, url, name string) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connecting to postgres: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

// repoRoot is the nearest directory upwards holding go.work.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.work not found above the current directory: run from the repository")
		}
		dir = parent
	}
}

// machine describes the machine from nproc, lscpu and free, as the README shows it.
func machine(ctx context.Context, e *scenario.Env) report.Machine {
	m := report.Machine{CPUs: goruntime.NumCPU(), GoVersion: goruntime.Version(), OS: goruntime.GOOS + "/" + goruntime.GOARCH}
	if b, err := exec.CommandContext(ctx, "lscpu").Output(); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Model name:"); ok {
				m.CPUModel = strings.TrimSpace(v)
			}
		}
	}
	if b, err := exec.CommandContext(ctx, "free", "-h").Output(); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Mem:" {
				m.MemoryGiB = f[1]
			}
		}
	}
	_ = e.Pool.QueryRow(ctx, "SHOW server_version").Scan(&m.Postgres)
	return m
}
