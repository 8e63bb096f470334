package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/mail/mailtest"
	"github.com/taskline/taskline/test/e2e"
)

// The daprd stack: the functions of the event pipeline, each its own process behind its
// own daprd (bin/daprd), the kfake broker, a throwaway Postgres and an SMTP server, as
// test/e2e's pipeline test runs them.

// daprFunctions are started in this order (create-task applies the migrations).
var daprFunctions = []string{"create-task", "complete-task", "spawn-next-occurrence", "query-tasks",
	"schedule-reminder", "tick-reminders", "send-email"}

type daprStack struct {
	p      *e2e.Program
	s      *e2e.Stack
	apps   map[string]*e2e.App
	pool   *pgxpool.Pool
	client http.Client
}

// call routes a request to the function that serves it, as the gateway would.
func (d *daprStack) call(user, method, path string, body any) (int, map[string]any, http.Header) {
	app := "query-tasks"
	switch {
	case method == "POST" && strings.HasSuffix(path, "/complete"):
		app = "complete-task"
	case method == "POST" && strings.HasSuffix(path, "/tasks"):
		app = "create-task"
	}
	return doCall(&d.client, d.apps[app].URL+path, user, method, body)
}

// runDapr starts the daprd stack, breaks it and stops all of it.
func runDapr(ctx context.Context) (rows []row, err error) {
	logPath := filepath.Join(os.TempDir(), "taskline-chaos-dapr.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	p, err := e2e.NewProgram("taskline-chaos-dapr", logFile)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if os.Getenv("E2E_LOG_DIR") == "" {
		// Every process's log, kept after the run for a missed target.
		os.Setenv("E2E_LOG_DIR", filepath.Join(os.TempDir(), "taskline-chaos-dapr-logs"))
		os.RemoveAll(filepath.Join(os.TempDir(), "taskline-chaos-dapr-logs"))
	}
	fmt.Printf("  process logs: %s\n", os.Getenv("E2E_LOG_DIR"))
	d := &daprStack{p: p, apps: map[string]*e2e.App{}}
	d.client.Timeout = 10 * time.Second
	err = p.Run(func() {
		fmt.Println("starting the daprd stack (Postgres, kfake, SMTP, 7 functions each behind its own daprd) ...")
		t0 := time.Now()
		d.s = e2e.Start(p, e2e.Options{Postgres: true})
		smtp, err := mailtest.Start()
		if err != nil {
			p.Fatal(err)
		}
		p.Cleanup(func() { smtp.Close() })
		pkgs := make([]string, len(daprFunctions))
		for i, n := range daprFunctions {
			pkgs[i] = "github.com/taskline/taskline/functions/" + n + "/cmd/" + n
		}
		bins := e2e.BuildAll(p, pkgs...)
		for i, n := range daprFunctions {
			env := []string{"JWT_SECRET=" + secret, "LOG_LEVEL=warn"}
			switch n {
			case "create-task":
				env = append(env, "MIGRATE=true")
			case "send-email":
				env = append(env, "SMTP_URL="+smtp.URL(), "APP_BASE_URL=https://taskline.chaos", "MAIL_FROM=Taskline <reminders@taskline.chaos>")
			}
			d.apps[n] = d.s.StartApp(n, bins[i], env...)
		}
		if d.pool, err = pgxpool.New(ctx, d.s.DatabaseURL()); err != nil {
			p.Fatal(err)
		}
		p.Cleanup(d.pool.Close)
		fmt.Printf("  daprd stack up in %.1f s (builds included)\n", time.Since(t0).Seconds())
		for _, sc := range []func(context.Context) row{
			func(ctx context.Context) row { return d.brokerOutage(ctx, false) },
			func(ctx context.Context) row { return d.killNine(ctx, "spawn-next-occurrence") },
			func(ctx context.Context) row { return d.killNine(ctx, "complete-task") },
			d.poison} {
			r := sc(ctx)
			fmt.Printf("  %s: done\n", r.scenario)
			rows = append(rows, r)
		}
	})
	if err != nil {
		return rows, fmt.Errorf("%w; log: %s", err, logPath)
	}
	return rows, nil
}

// snapshot is the completions acknowledged so far.
func (l *load) snapshot() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.completed)
}

func (l *load) counts() (creates, completes int, statuses map[int]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.created), len(l.completed), maps(l.statuses)
}

// brokerOutage takes the broker down for -outage under create/complete load and brings
// it back, and measures how long after its return the completions acknowledged until then all
// had their next instance.
// By default the broker is unreachable (every request closes its connection) and keeps
// its log, as a Kafka broker restarted with its disk; with wipe it is stopped and started
// empty (kfake keeps its log in memory), so events published and not yet consumed are gone.
func (d *daprStack) brokerOutage(ctx context.Context, wipe bool) row {
	r := row{scenario: fmt.Sprintf("broker down %s under load (log kept), back", *outage)}
	stop, start := d.s.PauseBroker, d.s.ResumeBroker
	if wipe {
		r.scenario = fmt.Sprintf("broker stopped %s under load, restarted empty", *outage)
		stop, start = d.s.StopBroker, func() { d.s.RestartBroker(d.p) }
	}
	l := startLoad(d, 8, "b")
	time.Sleep(*loadFor)
	stop()
	down := time.Now()
	c0, k0, st0 := l.counts()
	time.Sleep(*outage)
	var pending int
	d.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending)
	c1, k1, st1 := l.counts()
	start()
	back := time.Now()
	a, ok := d.afterFault(ctx, &r, l)
	if !ok {
		return r
	}
	if a.orphans == 0 {
		r.recovery = fmt.Sprintf("backlog of %d completions drained %.1f s after the broker was back", a.backlog, a.took.Seconds())
	}
	r.notes = fmt.Sprintf("%d creates, %d completions acknowledged (%d and %d while the broker was down; answers then: %s); %d outbox rows waiting at the end of the outage",
		a.creates, a.completes, c1-c0, k1-k0, fmtStatuses(diff(st1, st0)), pending)
	if a.orphans > 0 || r.lost > 0 {
		r.notes += "; " + d.explainOrphans(ctx, l, down, back)
	}
	r.pass = r.pass && c1-c0 > 0 && k1-k0 > 0
	return r
}

// explainOrphans tells, for the acknowledged completions that have no next instance, where
// their task.completed event went: still in the outbox, or published (before the broker
// stopped, during the outage, after it came back) and consumed by spawn-next-occurrence or
// not. kfake keeps its log in memory, so what was published and not yet consumed when it
// stopped is gone with it.
func (d *daprStack) explainOrphans(ctx context.Context, l *load, down, back time.Time) string {
	rows, err := d.pool.Query(ctx, `SELECT a.id, o.published_at, o.attempts,
			EXISTS (SELECT 1 FROM processed_events p WHERE p.event_id = o.event_id::text)
		FROM unnest($1::bigint[]) AS a(id)
		LEFT JOIN outbox o ON o.event->>'type' LIKE '%task.completed' AND (o.event->'data'->>'task_id')::bigint = a.id
		WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.spawned_from = a.id)`, l.snapshot())
	if err != nil {
		return "explaining the lost completions: " + err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var published *time.Time
		var attempts *int
		var consumed *bool
		if err := rows.Scan(&id, &published, &attempts, &consumed); err != nil {
			return "explaining the lost completions: " + err.Error()
		}
		switch {
		case attempts == nil:
			out = append(out, fmt.Sprintf("task %d: no task.completed in the outbox", id))
		case published == nil:
			out = append(out, fmt.Sprintf("task %d: task.completed still unpublished after %d attempts", id, *attempts))
		default:
			when := "during the outage"
			if published.Before(down) {
				when = fmt.Sprintf("%.2f s before the broker stopped", down.Sub(*published).Seconds())
			} else if published.After(back) {
				when = fmt.Sprintf("%.2f s after the broker was back", published.Sub(back).Seconds())
			}
			out = append(out, fmt.Sprintf("task %d: task.completed published %s, consumed: %v", id, when, *consumed))
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("and %d more", len(out)-5))
	}
	return "lost: " + strings.Join(out, ", ")
}

// afterFault is what a fault's end is followed by: the completions acknowledged until
// then (the backlog) drain while the load goes on for -load, then every acknowledged
// write is checked.
type afterFault struct {
	backlog, orphans   int
	took               time.Duration
	creates, completes int
}

func (d *daprStack) afterFault(ctx context.Context, r *row, l *load) (afterFault, bool) {
	backlog := l.snapshot()
	orphans, took, err := drain(ctx, d.pool, backlog, 2*time.Minute)
	time.Sleep(*loadFor) // load goes on after the fault
	l.end()
	var lost, dups int
	if err == nil {
		lost, dups, err = verify(ctx, d.pool, l, time.Minute)
	}
	if err != nil {
		r.notes = err.Error()
		return afterFault{}, false
	}
	c, k, _ := l.counts()
	r.acked, r.lost, r.dups = c+k, lost, dups
	r.pass = lost == 0 && dups == 0 && orphans == 0
	return afterFault{backlog: len(backlog), orphans: orphans, took: took, creates: c, completes: k}, true
}

// killNine kills one function with SIGKILL under load (its daprd stays), starts it again
// and measures how long after the restart the completions acknowledged until then all
// had their next instance.
func (d *daprStack) killNine(ctx context.Context, name string) row {
	r := row{scenario: "kill -9 of " + name + " under load, restart"}
	l := startLoad(d, 8, "k"+name[:2])
	time.Sleep(*loadFor)
	app := d.apps[name]
	app.Kill()
	c0, k0, st0 := l.counts()
	time.Sleep(2 * time.Second) // load goes on against the dead process
	t0 := time.Now()
	if err := app.Restart(); err != nil {
		l.end()
		r.notes = err.Error()
		return r
	}
	ready := time.Since(t0)
	c1, k1, st1 := l.counts()
	a, ok := d.afterFault(ctx, &r, l)
	if !ok {
		return r
	}
	if a.orphans == 0 {
		r.recovery = fmt.Sprintf("%.1f s to healthy; backlog of %d completions drained %.1f s after", ready.Seconds(), a.backlog, a.took.Seconds())
	}
	r.notes = fmt.Sprintf("%d creates, %d completions acknowledged (%d and %d while it was dead 2 s; answers then: %s)",
		a.creates, a.completes, c1-c0, k1-k0, fmtStatuses(diff(st1, st0)))
	return r
}

// poison is the local scenario on the stack; what became of the poison events is read
// from the dead letter topic.
func (d *daprStack) poison(ctx context.Context) row {
	r := poison(ctx, d, d.pool)
	dead, err := deadLetters(ctx, d.s.Brokers(), "mallory")
	var pending int
	d.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE partition_key = 'mallory' AND published_at IS NULL`).Scan(&pending)
	if err != nil {
		r.notes = fmt.Sprintf("60 poison completions; reading %s: %v", event.TopicTasksDLQ, err)
		return r
	}
	r.notes = fmt.Sprintf("60 poison completions: %d dead-lettered to %s so far, %d still unpublished in the outbox", dead, event.TopicTasksDLQ, pending)
	return r
}

// deadLetters counts the events of user on the task dead letter topic.
func deadLetters(ctx context.Context, brokers, user string) (int, error) {
	c, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.ConsumeTopics(event.TopicTasksDLQ),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	n := 0
	for ctx.Err() == nil {
		f := c.PollFetches(ctx)
		for _, fe := range f.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) {
				return n, fe.Err
			}
		}
		f.EachRecord(func(r *kgo.Record) {
			var e map[string]any
			if json.Unmarshal(r.Value, &e) == nil && e[event.ExtUserID] == user {
				n++
			}
		})
	}
	return n, nil
}
