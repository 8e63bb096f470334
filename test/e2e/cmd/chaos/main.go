// Command chaos is Taskline's fault suite (make chaos): it runs the local binary
// (bin/taskline serve, with its own Postgres and an SMTP server in this process), breaks
// it the way an operator and an attacker would, and prints a markdown table of what a
// user would notice: acknowledged writes lost, duplicates, recovery time, 5xx answers to
// bad input, and the delay of normal users' events while poison events flow. A
// time-boxed native Go fuzz run of the API and the task rules closes it. With -stack dapr
// (or all, what make chaos runs) it breaks the daprd stack too (dapr.go) and prints a
// second table.
//
//	go run ./test/e2e/cmd/chaos [-root .] [-stack local|dapr|all] [-fuzztime 5s] [-load 3s] [-outage 30s]
//
// It needs the PostgreSQL server binaries (initdb, pg_ctl), like `make run`, and talks to
// 127.0.0.1 only. It exits non-zero when a figure misses its target.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/mail/mailtest"
)

const secret = "chaos-secret-0123456789abcdef0123456789"

var (
	root     = flag.String("root", ".", "repository root")
	fuzztime = flag.Duration("fuzztime", 5*time.Second, "fuzzing time per target (0 skips fuzzing)")
	loadFor  = flag.Duration("load", 3*time.Second, "load before each fault")
	stack    = flag.String("stack", "local", "what to break: local (bin/taskline serve), dapr (each function behind its own daprd) or all (both, one table each)")
	outage   = flag.Duration("outage", 30*time.Second, "how long the broker stays down (daprd stack)")
)

// row is one line of the result table.
type row struct {
	scenario string
	acked    int
	lost     int
	dups     int
	recovery string
	fiveXX   string
	delay    string
	notes    string
	pass     bool
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	var local, dapr []row
	var errs []error
	if *stack == "local" || *stack == "all" {
		rows, err := runLocal(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("local binary: %w", err))
		}
		local = rows
	}
	if *stack == "dapr" || *stack == "all" {
		rows, err := runDapr(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("daprd stack: %w", err))
		}
		dapr = rows
	}
	if *stack != "local" && *stack != "dapr" && *stack != "all" {
		return fmt.Errorf("-stack %q: want local, dapr or all", *stack)
	}
	if len(local) > 0 && !printTable("local binary (bin/taskline serve)", local) {
		errs = append(errs, errors.New("local binary: a scenario missed its target (see the table)"))
	}
	if len(dapr) > 0 && !printTable("daprd stack (each function behind its own daprd, kfake broker)", dapr) {
		errs = append(errs, errors.New("daprd stack: a scenario missed its target (see the table)"))
	}
	return errors.Join(errs...)
}

// printTable prints rows as a markdown table titled for what was broken and reports
// whether every scenario met its target.
func printTable(title string, rows []row) bool {
	host, _ := os.Hostname()
	fmt.Printf("\n### make chaos, %s, %s, %s (%d CPUs)\n\n", title, time.Now().UTC().Format("2006-01-02 15:04 UTC"), host, cpus())
	fmt.Println("| scenario | acknowledged writes | lost | duplicates | recovery | 5xx to bad input | normal users' delay | notes | pass |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	ok := true
	for _, r := range rows {
		mark := "yes"
		if !r.pass {
			mark, ok = "**no**", false
		}
		fmt.Printf("| %s | %d | %d | %d | %s | %s | %s | %s | %s |\n", r.scenario, r.acked, r.lost, r.dups, or(r.recovery), or(r.fiveXX), or(r.delay), r.notes, mark)
	}
	return ok
}

// runLocal breaks bin/taskline serve.
func runLocal(ctx context.Context) ([]row, error) {
	fmt.Println("building bin/taskline ...")
	build := exec.Command("go", "build", "-o", "bin/taskline", "./cmd/taskline")
	build.Dir, build.Stdout, build.Stderr = *root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building: %w", err)
	}
	smtp, err := mailtest.Start()
	if err != nil {
		return nil, err
	}
	defer smtp.Close()
	dir, err := os.MkdirTemp("", "taskline-chaos-")
	if err != nil {
		return nil, err
	}
	os.Chmod(dir, 0o755) // under root the server runs as postgres and must reach it
	defer os.RemoveAll(dir)
	s := &service{bin: filepath.Join(*root, "bin/taskline"), dir: dir, smtp: smtp, port: freePort()}
	defer s.stop()
	if s.firstStart, err = s.start(); err != nil {
		return nil, err
	}
	if s.pool, err = s.openDB(ctx); err != nil {
		return nil, err
	}

	var rows []row
	for _, sc := range []func(context.Context) row{s.killNine, s.databaseOutage, s.smtpFaults,
		func(ctx context.Context) row { return poison(ctx, s, s.pool) }, s.badInput} {
		r := sc(ctx)
		fmt.Printf("  %s: done\n", r.scenario)
		rows = append(rows, r)
	}
	if *fuzztime > 0 {
		rows = append(rows, fuzz(*root, *fuzztime))
	}
	return rows, nil
}

func or(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cpus() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

// service is bin/taskline serve with its own data directory.
type service struct {
	bin, dir string
	port     int
	smtp     *mailtest.Server
	cmd      *exec.Cmd
	pool     *pgxpool.Pool
	// firstStart is the first start's time to ready (initdb included): the baseline of
	// the restart after kill -9.
	firstStart time.Duration
	client     http.Client
}

func (s *service) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", s.port, path) }

// start runs the binary and waits until /readyz answers 200; it returns how long that took.
func (s *service) start() (time.Duration, error) {
	t0 := time.Now()
	log, err := os.OpenFile(filepath.Join(s.dir, "taskline.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(s.port), "HOST=127.0.0.1", "JWT_SECRET="+secret,
		"SMTP_URL="+s.smtp.URL()+"&timeout=5s", "TASKLINE_DATA_DIR="+s.dir, "LOG_LEVEL=warn", "DATABASE_URL=")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	s.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.client.Timeout = 10 * time.Second
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			s.cmd = nil
			return 0, fmt.Errorf("taskline serve exited during start (%v); see %s", err, log.Name())
		default:
		}
		res, err := s.client.Get(s.url("/readyz"))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				go func() { <-exited }()
				return time.Since(t0), nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, errors.New("taskline serve not ready after 3 minutes")
}

// stop ends the binary with SIGTERM (it then stops its Postgres).
func (s *service) stop() {
	if s.pool != nil {
		s.pool.Close()
		s.pool = nil
	}
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		for i := 0; i < 300 && s.cmd.ProcessState == nil && syscall.Kill(s.cmd.Process.Pid, 0) == nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
		s.cmd = nil
	}
}

// pidFile reads the local cluster's postmaster.pid: its PID and port.
func (s *service) pidFile() (pid, port int, err error) {
	b, err := os.ReadFile(filepath.Join(s.dir, "postgres", "postmaster.pid"))
	if err != nil {
		return 0, 0, err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, 0, errors.New("short postmaster.pid")
	}
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	return pid, port, nil
}

func (s *service) openDB(ctx context.Context) (*pgxpool.Pool, error) {
	_, port, err := s.pidFile()
	if err != nil {
		return nil, err
	}
	return pgxpool.New(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&pool_max_conns=4", port))
}

func token(user string) string {
	t, _ := auth.Sign([]byte(secret), user, user+"@chaos.test", "UTC", 2*time.Hour)
	return t
}

// api is what the load and the poison scenario talk to: the local binary, or the
// functions of the daprd stack.
type api interface {
	// call sends a JSON request as user and returns the status and decoded body.
	call(user, method, path string, body any) (int, map[string]any, http.Header)
}

func (s *service) call(user, method, path string, body any) (int, map[string]any, http.Header) {
	return doCall(&s.client, s.url(path), user, method, body)
}

// doCall sends a JSON request to url as user and returns the status and decoded body
// (status 0 when nothing answered).
func doCall(client *http.Client, url, user, method string, body any) (int, map[string]any, http.Header) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, url, rd)
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+token(user))
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, nil
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, res.Header
}

// load is concurrent writers creating tasks (every third one daily and due tomorrow) and
// completing every recurring one they created, recording what was acknowledged.
type load struct {
	mu         sync.Mutex
	created    []int64 // 201 answers
	completed  []int64 // 200 answers to completing a recurring task
	statuses   map[int]int
	retryAfter int          // 503 answers carrying Retry-After
	firstOK    atomic.Int64 // unix nanos of the first 2xx after mark
	mark       atomic.Int64
	stop       atomic.Bool
	wg         sync.WaitGroup
}

func startLoad(s api, users int, prefix string) *load {
	l := &load{statuses: map[int]int{}}
	due := time.Now().Add(26 * time.Hour).UTC().Format(time.RFC3339)
	for w := range users {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			user := fmt.Sprintf("%s%d", prefix, w)
			for i := 0; !l.stop.Load(); i++ {
				body := map[string]any{"title": fmt.Sprintf("task %d", i)}
				if i%3 == 0 {
					body["due_date"], body["recurrence_pattern"] = due, "daily"
				}
				st, out, h := s.call(user, "POST", "/api/"+user+"/tasks", body)
				l.record(st, h)
				if st != 201 {
					if st == 0 || st >= 500 {
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				id := int64(out["id"].(float64))
				l.mu.Lock()
				l.created = append(l.created, id)
				l.mu.Unlock()
				if i%3 == 0 {
					st, _, h = s.call(user, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, id), nil)
					l.record(st, h)
					if st == 200 {
						l.mu.Lock()
						l.completed = append(l.completed, id)
						l.mu.Unlock()
					}
				}
			}
		}()
	}
	return l
}

func (l *load) record(status int, h http.Header) {
	l.mu.Lock()
	l.statuses[status]++
	if status == 503 && h.Get("Retry-After") != "" {
		l.retryAfter++
	}
	l.mu.Unlock()
	if status >= 200 && status < 300 && l.mark.Load() != 0 && l.firstOK.Load() == 0 {
		l.firstOK.CompareAndSwap(0, time.Now().UnixNano())
	}
}

func (l *load) end() { l.stop.Store(true); l.wg.Wait() }

// verify counts acknowledged creates missing from the database, acknowledged completions
// of recurring tasks that got no next instance within wait, and duplicate next instances.
func verify(ctx context.Context, pool *pgxpool.Pool, l *load, wait time.Duration) (lost, dups int, err error) {
	l.mu.Lock()
	created, completed := slices.Clone(l.created), slices.Clone(l.completed)
	l.mu.Unlock()
	var missing int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::bigint[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = a.id)`,
		created).Scan(&missing); err != nil {
		return 0, 0, err
	}
	orphans, _, err := drain(ctx, pool, completed, wait)
	if err != nil {
		return 0, 0, err
	}
	// spawned_from is unique, so duplicates would be a second instance of the same series
	// for the same due date.
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM tasks WHERE spawned_from IS NOT NULL
		GROUP BY user_id, title, due_date HAVING count(*) > 1) d`).Scan(&dups); err != nil {
		return 0, 0, err
	}
	return missing + orphans, dups, nil
}

// drain waits up to wait until every completion in completed has its next instance and
// returns how many still have none and how long the wait took.
func drain(ctx context.Context, pool *pgxpool.Pool, completed []int64, wait time.Duration) (orphans int, took time.Duration, err error) {
	t0 := time.Now()
	for deadline := t0.Add(wait); ; {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::bigint[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.spawned_from = a.id)`,
			completed).Scan(&orphans); err != nil {
			return 0, 0, err
		}
		if orphans == 0 || time.Now().After(deadline) {
			return orphans, time.Since(t0), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *service) killNine(ctx context.Context) row {
	r := row{scenario: "kill -9 under load, restart"}
	l := startLoad(s, 8, "k")
	time.Sleep(*loadFor)
	s.cmd.Process.Signal(syscall.SIGKILL) // Postgres, in its own process group, stays: orphaned
	time.Sleep(300 * time.Millisecond)
	l.end()
	s.cmd = nil
	s.pool.Close()
	took, err := s.start()
	if err != nil {
		r.notes = "restart failed: " + err.Error()
		return r
	}
	if s.pool, err = s.openDB(ctx); err != nil {
		r.notes = err.Error()
		return r
	}
	r.recovery = fmt.Sprintf("%.1f s to ready (first start with initdb: %.1f s)", took.Seconds(), s.firstStart.Seconds())
	lost, dups, err := verify(ctx, s.pool, l, 30*time.Second)
	if err != nil {
		r.notes = err.Error()
		return r
	}
	r.acked, r.lost, r.dups = len(l.created)+len(l.completed), lost, dups
	r.notes = fmt.Sprintf("%d creates, %d completions acknowledged; restart took over the orphaned postmaster", len(l.created), len(l.completed))
	r.pass = lost == 0 && dups == 0
	return r
}

func (s *service) databaseOutage(ctx context.Context) row {
	r := row{scenario: "Postgres stopped 10 s under load"}
	l := startLoad(s, 8, "d")
	time.Sleep(*loadFor)
	pid, _, err := s.pidFile()
	if err != nil {
		r.notes = err.Error()
		return r
	}
	opts, err := os.ReadFile(filepath.Join(s.dir, "postgres", "postmaster.opts"))
	if err != nil {
		r.notes = err.Error()
		return r
	}
	s.pool.Close()
	syscall.Kill(pid, syscall.SIGINT) // fast shutdown
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(20 * time.Millisecond)
	}
	l.mu.Lock()
	before, retryBefore := maps(l.statuses), l.retryAfter
	l.mu.Unlock()
	time.Sleep(10 * time.Second)
	pg, err := restartPostgres(string(opts), filepath.Join(s.dir, "pg-restart.log"))
	if err != nil {
		l.end()
		r.notes = "restarting Postgres: " + err.Error()
		return r
	}
	_ = pg
	back := time.Now()
	l.mark.Store(back.UnixNano())
	time.Sleep(3 * time.Second)
	l.end()
	if s.pool, err = s.openDB(ctx); err != nil {
		r.notes = err.Error()
		return r
	}
	lost, dups, err := verify(ctx, s.pool, l, 30*time.Second)
	if err != nil {
		r.notes = err.Error()
		return r
	}
	l.mu.Lock()
	during := diff(l.statuses, before)
	l.mu.Unlock()
	r.acked, r.lost, r.dups = len(l.created)+len(l.completed), lost, dups
	if f := l.firstOK.Load(); f != 0 {
		r.recovery = fmt.Sprintf("%.2f s after Postgres was back", time.Duration(f-back.UnixNano()).Seconds())
	}
	r.notes = fmt.Sprintf("answers during and after the outage: %s; %d of the 503s carried Retry-After", fmtStatuses(during), l.retryAfter-retryBefore)
	r.pass = lost == 0 && dups == 0 && during[500] == 0 && during[503] > 0 && l.firstOK.Load() != 0
	return r
}

// restartPostgres starts the cluster again with the command line it last ran with
// (postmaster.opts), as the server's own user, detached from this process.
func restartPostgres(opts, logPath string) (*exec.Cmd, error) {
	var args []string
	for _, f := range splitQuoted(strings.TrimSpace(opts)) {
		args = append(args, f)
	}
	if len(args) == 0 {
		return nil, errors.New("empty postmaster.opts")
	}
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if os.Geteuid() == 0 {
		for _, name := range []string{"postgres", "nobody"} {
			if u, err := user.Lookup(name); err == nil {
				uid, _ := strconv.Atoi(u.Uid)
				gid, _ := strconv.Atoi(u.Gid)
				cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
				break
			}
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go cmd.Wait()
	port := ""
	for i, a := range args {
		if strings.HasPrefix(a, "port=") {
			port = strings.TrimPrefix(a, "port=")
		}
		if a == "-p" && i+1 < len(args) {
			port = args[i+1]
		}
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return cmd, nil
		}
	}
	return cmd, errors.New("Postgres did not come back")
}

func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	inQ, any := false, false
	for _, c := range s {
		switch {
		case c == '"':
			inQ, any = !inQ, true
		case c == ' ' && !inQ:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(c)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

func maps(m map[int]int) map[int]int {
	out := map[int]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func diff(a, b map[int]int) map[int]int {
	out := map[int]int{}
	for k, v := range a {
		if d := v - b[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func fmtStatuses(m map[int]int) string {
	var keys []int
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		name := strconv.Itoa(k)
		if k == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, m[k]))
	}
	return strings.Join(parts, ", ")
}

// reminderDue creates a task with a reminder due in a second and waits until the ticker
// has triggered it (a delivery is under way).
func (s *service) reminderDue(ctx context.Context, user string) (taskID, reminderID int64, err error) {
	st, task, _ := s.call(user, "POST", "/api/"+user+"/tasks", map[string]any{"title": "call " + user,
		"due_date": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)})
	if st != 201 {
		return 0, 0, fmt.Errorf("creating a task: %d", st)
	}
	taskID = int64(task["id"].(float64))
	st, rem, _ := s.call(user, "POST", "/api/"+user+"/reminders", map[string]any{"task_id": taskID,
		"remind_at": time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)})
	if st != 201 {
		return 0, 0, fmt.Errorf("creating a reminder: %d %v", st, rem)
	}
	reminderID = int64(rem["id"].(float64))
	return taskID, reminderID, nil
}

func (s *service) reminderState(ctx context.Context, id int64) (status string, attempts int, lastError string) {
	var le *string
	s.pool.QueryRow(ctx, `SELECT status, attempts, last_error FROM reminders WHERE id = $1`, id).Scan(&status, &attempts, &le)
	if le != nil {
		lastError = *le
	}
	return
}

func (s *service) waitReminder(ctx context.Context, id int64, want func(status string) bool, timeout time.Duration) string {
	var st string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, _, _ = s.reminderState(ctx, id); want(st) {
			return st
		}
	}
	return st
}

func (s *service) smtpFaults(ctx context.Context) row {
	r := row{scenario: "SMTP hanging, deferring (451), rejecting (554)"}
	var notes []string
	pass := true
	// Hanging: completing the task whose reminder is being sent is not blocked.
	s.smtp.Hang(true)
	task, rem, err := s.reminderDue(ctx, "mail1")
	if err != nil {
		s.smtp.Hang(false)
		r.notes = err.Error()
		return r
	}
	var leased bool
	for deadline := time.Now().Add(20 * time.Second); !leased && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		s.pool.QueryRow(ctx, `SELECT leased_until IS NOT NULL FROM reminders WHERE id = $1`, rem).Scan(&leased)
	}
	t0 := time.Now()
	st, _, _ := s.call("mail1", "POST", fmt.Sprintf("/api/mail1/tasks/%d/complete", task), nil)
	took := time.Since(t0)
	s.smtp.Hang(false)
	notes = append(notes, fmt.Sprintf("completing during a hung send: %d in %d ms", st, took.Milliseconds()))
	pass = pass && leased && st == 200 && took < time.Second
	// Deferring: retried.
	s.smtp.Defer(true)
	_, rem, err = s.reminderDue(ctx, "mail2")
	if err == nil {
		got := s.waitReminder(ctx, rem, func(st string) bool { return st == "retrying" || st == "failed" || st == "sent" }, 20*time.Second)
		notes = append(notes, "451 → "+got)
		pass = pass && got == "retrying"
	}
	s.smtp.Defer(false)
	// Rejecting: failed at once, users see no address of ours.
	s.smtp.Refuse(true)
	_, rem, err = s.reminderDue(ctx, "mail3")
	if err == nil {
		got := s.waitReminder(ctx, rem, func(st string) bool { return st == "retrying" || st == "failed" || st == "sent" }, 20*time.Second)
		_, attempts, lastErr := s.reminderState(ctx, rem)
		notes = append(notes, fmt.Sprintf("554 → %s after %d attempt(s), last_error %q", got, attempts, lastErr))
		pass = pass && got == "failed" && attempts == 1 && !strings.Contains(lastErr, "127.0.0.1")
	}
	s.smtp.Refuse(false)
	r.notes = strings.Join(notes, "; ")
	r.recovery = fmt.Sprintf("complete: %d ms", took.Milliseconds())
	r.pass = pass
	return r
}

// poison: one user's completions whose next instance can never be built (a daily task
// due 9999-12-31, written straight into the database as rows from before the date bound
// would be), mixed with other users completing recurring tasks: theirs must not wait.
func poison(ctx context.Context, s api, pool *pgxpool.Pool) row {
	r := row{scenario: "poison events from one user + normal traffic"}
	due := time.Now().Add(26 * time.Hour).UTC().Format(time.RFC3339)
	var bad []int64
	for i := range 60 {
		st, out, _ := s.call("mallory", "POST", "/api/mallory/tasks", map[string]any{"title": fmt.Sprintf("poison %d", i), "due_date": due, "recurrence_pattern": "daily"})
		if st == 201 {
			bad = append(bad, int64(out["id"].(float64)))
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE tasks SET due_date = '9999-12-31T09:00:00Z', recurrence_anchor = '9999-12-31T09:00:00' WHERE id = ANY($1)`, bad); err != nil {
		r.notes = err.Error()
		return r
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, id := range bad {
			s.call("mallory", "POST", fmt.Sprintf("/api/mallory/tasks/%d/complete", id), nil)
		}
	}()
	var mu sync.Mutex
	var delays []time.Duration
	missing := 0
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("normal%d", w)
			for i := range 15 {
				st, out, _ := s.call(user, "POST", "/api/"+user+"/tasks", map[string]any{"title": fmt.Sprintf("daily %d", i), "due_date": due, "recurrence_pattern": "daily"})
				if st != 201 {
					continue
				}
				id := int64(out["id"].(float64))
				if st, _, _ := s.call(user, "POST", fmt.Sprintf("/api/%s/tasks/%d/complete", user, id), nil); st != 200 {
					continue
				}
				acked := time.Now()
				found := false
				for time.Since(acked) < 10*time.Second {
					var n int
					pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE spawned_from = $1`, id).Scan(&n)
					if n > 0 {
						found = true
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				mu.Lock()
				if found {
					delays = append(delays, time.Since(acked))
				} else {
					missing++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(delays)
	var maxAttempts, waiting int
	var lastErr *string
	pool.QueryRow(ctx, `SELECT coalesce(max(attempts), 0), count(*), max(last_error) FROM outbox WHERE partition_key = 'mallory' AND published_at IS NULL`).Scan(&maxAttempts, &waiting, &lastErr)
	why := ""
	if lastErr != nil {
		why = fmt.Sprintf(" (%.60s)", *lastErr)
	}
	r.acked, r.lost = len(delays)+missing, missing
	if len(delays) > 0 {
		r.delay = fmt.Sprintf("p50 %d ms, max %d ms", delays[len(delays)/2].Milliseconds(), delays[len(delays)-1].Milliseconds())
	}
	r.notes = fmt.Sprintf("%d poison completions; %d of their events failing%s, retried with growing waits (at most %d attempts so far; parked after 10)", len(bad), waiting, why, maxAttempts)
	r.pass = missing == 0 && len(delays) > 0 && delays[len(delays)-1] < 2*time.Second
	return r
}

func (s *service) badInput(ctx context.Context) row {
	r := row{scenario: "hostile input"}
	tok := func(claims jwt.MapClaims, header map[string]any) string {
		t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
		for k, v := range header {
			t.Header[k] = v
		}
		s, _ := t.SignedString([]byte(secret))
		return s
	}
	exp := time.Now().Add(time.Hour).Unix()
	type probe struct {
		name, method, path, auth, body string
	}
	good := "Bearer " + token("eve")
	probes := []probe{
		{"NUL in title", "POST", "/api/eve/tasks", good, `{"title":"a\u0000b"}`},
		{"NUL in description", "POST", "/api/eve/tasks", good, `{"title":"a","description":"\u0000"}`},
		{"NUL in tag prefix", "GET", "/api/eve/tags?prefix=%00", good, ""},
		{"NUL in search", "GET", "/api/eve/tasks?search=a%00", good, ""},
		{"bad percent-escape", "GET", "/api/eve/tasks?status=%zz", good, ""},
		{"due 9999-12-31", "POST", "/api/eve/tasks", good, `{"title":"a","due_date":"9999-12-31T00:00:00Z","recurrence_pattern":"daily"}`},
		{"due year 1", "POST", "/api/eve/tasks", good, `{"title":"a","due_date":"0001-01-01T00:00:00Z"}`},
		{"recurring without due date", "POST", "/api/eve/tasks", good, `{"title":"a","recurrence_pattern":"daily"}`},
		{"before_due overflow", "POST", "/api/eve/reminders", good, `{"task_id":1,"before_due":"142880868177984d"}`},
		{"broken JSON", "POST", "/api/eve/tasks", good, `{"title":`},
		{"2 MiB body", "POST", "/api/eve/tasks", good, `{"title":"` + strings.Repeat("x", 2<<20) + `"}`},
		{"5000-char sub", "GET", "/api/x/tasks", "Bearer " + tok(jwt.MapClaims{"sub": strings.Repeat("s", 5000), "exp": exp}, nil), ""},
		{"NUL in sub", "GET", "/api/x/tasks", "Bearer " + tok(jwt.MapClaims{"sub": "a\x00b", "exp": exp}, nil), ""},
		{"NUL in email", "GET", "/api/eve/tasks", "Bearer " + tok(jwt.MapClaims{"sub": "eve", "email": "e\x00@x", "exp": exp}, nil), ""},
		{"exp as string", "GET", "/api/eve/tasks", "Bearer " + tok(jwt.MapClaims{"sub": "eve", "exp": strconv.FormatInt(exp, 10)}, nil), ""},
		{"unknown crit", "GET", "/api/eve/tasks", "Bearer " + tok(jwt.MapClaims{"sub": "eve", "exp": exp}, map[string]any{"crit": []string{"x"}, "x": 1}), ""},
		{"alg none", "GET", "/api/eve/tasks", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJldmUiLCJleHAiOjk5OTk5OTk5OTl9.", ""},
		{"huge tag list", "POST", "/api/eve/tasks", good, `{"title":"a","tags":[` + strings.TrimSuffix(strings.Repeat(`"t",`, 5000), ",") + `]}`},
		{"bad path id", "GET", "/api/eve/tasks/99999999999999999999999", good, ""},
		{"lower-case bearer (valid)", "GET", "/api/eve/tasks", "bearer " + token("eve"), ""},
	}
	fiveXX := 0
	var bad []string
	for _, p := range probes {
		req, _ := http.NewRequest(p.method, s.url(p.path), strings.NewReader(p.body))
		req.Header.Set("Authorization", p.auth)
		res, err := s.client.Do(req)
		if err != nil {
			fiveXX++
			bad = append(bad, p.name+": no answer")
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			fiveXX++
			bad = append(bad, fmt.Sprintf("%s: %d", p.name, res.StatusCode))
		}
		if p.name == "lower-case bearer (valid)" && res.StatusCode != 200 {
			bad = append(bad, fmt.Sprintf("%s: %d", p.name, res.StatusCode))
		}
	}
	// A slow body: headers sent, body never finished; the server must hang up.
	slow := "open"
	if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
		fmt.Fprintf(c, "POST /api/eve/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: 1000\r\n\r\n{", good)
		c.SetReadDeadline(time.Now().Add(45 * time.Second))
		t0 := time.Now()
		line, _ := bufio.NewReader(c).ReadString('\n')
		slow = fmt.Sprintf("slow body cut after %.0f s (%s)", time.Since(t0).Seconds(), strings.TrimSpace(line))
		c.Close()
	}
	r.acked = 0
	r.fiveXX = fmt.Sprintf("%d of %d probes", fiveXX, len(probes))
	r.notes = slow
	if len(bad) > 0 {
		r.notes += "; " + strings.Join(bad, "; ")
	}
	r.pass = len(bad) == 0
	return r
}

// fuzz runs each native Go fuzz target for d (seeded from the table tests) and reports
// the failures found.
func fuzz(root string, d time.Duration) row {
	r := row{scenario: fmt.Sprintf("go test -fuzz, %s per target", d)}
	targets := []struct{ pkg, name string }{
		{"./shared/todo", "FuzzTaskInput"},
		{"./shared/todo", "FuzzReminderInput"},
		{"./shared/runtime", "FuzzCheckQuery"},
		{"./functions/create-task", "FuzzCreateTask"},
		{"./functions/query-tasks", "FuzzListTasks"},
	}
	var notes []string
	failed := 0
	for _, t := range targets {
		cmd := exec.Command("go", "run", "./shared/pglocal/cmd/pgrun", "--", "go", "test", "-run", "^$", "-fuzz", "^"+t.name+"$",
			"-fuzztime", d.String(), "-parallel", "2", t.pkg)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		execs := ""
		for _, line := range strings.Split(string(out), "\n") {
			if i := strings.Index(line, "execs: "); i >= 0 {
				execs = strings.Fields(line[i+len("execs: "):])[0]
			}
		}
		if err != nil {
			failed++
			notes = append(notes, fmt.Sprintf("%s FAILED (see testdata/fuzz in %s)", t.name, t.pkg))
			fmt.Fprintln(os.Stderr, string(out))
			continue
		}
		notes = append(notes, fmt.Sprintf("%s %s execs", t.name, execs))
	}
	r.fiveXX = fmt.Sprintf("%d failing targets", failed)
	r.notes = strings.Join(notes, ", ")
	r.pass = failed == 0
	return r
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
