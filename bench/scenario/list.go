package scenario

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/bench/seed"
)

// tableSizes are the rows and on-disk size of tasks and of each of its indexes.
func tableSizes(ctx context.Context, e *Env) ([]report.Figure, error) {
	var rows int64
	var users int
	if err := e.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT user_id) FROM tasks`).Scan(&rows, &users); err != nil {
		return nil, fmt.Errorf("counting tasks: %w", err)
	}
	list, err := e.Pool.Query(ctx, `SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c
		WHERE c.oid = 'tasks'::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'tasks'::regclass)
		ORDER BY c.relkind DESC, 2 DESC`)
	if err != nil {
		return nil, fmt.Errorf("reading table sizes: %w", err)
	}
	defer list.Close()
	var figs []report.Figure
	for list.Next() {
		var name string
		var size int64
		if err := list.Scan(&name, &size); err != nil {
			return nil, err
		}
		figs = append(figs, report.Measured("3 list", fmt.Sprintf("size of %s with %s tasks of %s users", name, thousands(int(rows)), thousands(users)), "MiB", float64(size)/(1<<20)))
	}
	return figs, list.Err()
}

// ListQuery is one list request of scenario 3.
type ListQuery struct {
	Name  string
	Query url.Values
	// Page2 follows the first page's next_cursor, as "load more" does.
	Page2 bool
}

// ListQueries are the list requests scenario 3 measures, from the landing page to every
// filter at once. now is when the tasks were seeded (their due dates lie around it).
func ListQueries(now time.Time) []ListQuery {
	day := 24 * time.Hour
	qs := []ListQuery{
		{Name: "first page, newest first", Query: url.Values{}},
		{Name: "pending, soonest due first", Query: url.Values{"status": {"pending"}, "sort": {"due_date"}}},
		{Name: "search one word", Query: url.Values{"search": {"report"}}},
		{Name: "search prefix + pending + high + tag, by due date", Query: url.Values{
			"status": {"pending"}, "priority": {"high"}, "tags": {"work"}, "search": {"rev"}, "sort": {"due_date"}}},
		{Name: "every filter: status, priority, 2 tags, due window, 2-word search, by priority", Query: url.Values{
			"status": {"pending"}, "priority": {"high"}, "tags": {"work,urgent"},
			"due_after": {now.Add(-30 * day).UTC().Format(time.RFC3339)}, "due_before": {now.Add(90 * day).UTC().Format(time.RFC3339)},
			"search": {"budget plan"}, "sort": {"priority"}, "order": {"desc"}}},
		{Name: "search + sort by title, page 2 (cursor)", Query: url.Values{"search": {"meet"}, "sort": {"title"}}, Page2: true},
	}
	// Pages of 50, the web app's page size, as the published figures were measured; a
	// request without limit gets up to 200 since the seed's client does not page.
	for _, q := range qs {
		q.Query.Set("limit", "50")
	}
	return qs
}

// ListUser is a seeded user of scenario 3.
type ListUser struct {
	ID    string
	Tasks int
}

// Crowd is the rest of scenario 3's table: Users other users with PerUser tasks each.
type Crowd struct{ Users, PerUser int }

// List is scenario 3: GET /api/{user}/tasks with filters, search and sort for users with
// many tasks, in a table shared with a crowd of other users, each query `calls` times
// (interleaved); the p99 is compared with the p99 of a primary-key SELECT through pgx (one
// Postgres round trip), and with DESIGN.md's 20 ms. Queries that miss the target are run
// once more with auto_explain on, and the plans are kept for the report. It also reports
// the size of the table and of each of its indexes, and then the schema migrations on that
// table (Migrations).
func List(users []ListUser, crowd Crowd, calls int) Scenario {
	return Scenario{ID: "3 list", Name: "list", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		now := time.Now()
		if crowd.Users > 0 {
			t0 := time.Now()
			if err := seed.Crowd(ctx, e.Pool, "bench-crowd-", crowd.Users, crowd.PerUser, 99, now); err != nil {
				return nil, err
			}
			e.Log.Info("crowd seeded", "users", crowd.Users, "tasks", crowd.Users*crowd.PerUser, "took", time.Since(t0).Round(time.Millisecond))
		}
		for i, u := range users {
			if err := seed.Users(ctx, e.Pool, seed.User{ID: u.ID}); err != nil {
				return nil, err
			}
			if err := seed.Tasks(ctx, e.Pool, u.ID, u.Tasks, uint64(i+1), now); err != nil {
				return nil, err
			}
		}
		if err := seed.Analyze(ctx, e.Pool); err != nil {
			return nil, err
		}
		api, err := NewAPI(e, e.API.Base, 1)
		if err != nil {
			return nil, err
		}
		figs, err := tableSizes(ctx, e)
		if err != nil {
			return nil, err
		}
		type slow struct {
			user  string
			q     ListQuery
			p99   time.Duration
			tasks int
		}
		var worst []slow
		queries := ListQueries(now)
		for _, u := range users {
			paths := make([]string, len(queries))
			for i, q := range queries {
				if paths[i], err = listPath(ctx, api, u.ID, q); err != nil {
					return nil, err
				}
			}
			lat, rows, base, err := interleave(ctx, e, api, u.ID, paths, calls)
			if err != nil {
				return nil, err
			}
			for i, q := range queries {
				p99 := lat[i].Quantile(0.99)
				f := report.Measured("3 list", fmt.Sprintf("%s tasks: %s, p99", thousands(u.Tasks), q.Name), "ms", ms(p99)).
					WithBaseline("pgx PK SELECT p99", ms(base.Quantile(0.99))).
					WithTarget(20, report.LowerIsBetter).
					WithDetail("p50_ms", ms(lat[i].Quantile(0.5))).WithDetail("rows", float64(rows[i])).
					WithNote("p50 %s, %d rows", report.Format(ms(lat[i].Quantile(0.5)), "ms"), rows[i])
				figs = append(figs, f)
				worst = append(worst, slow{u.ID, q, p99, u.Tasks})
			}
		}
		// Evidence: the plans of each user's queries that miss the target, or of its slowest
		// one when all meet it.
		var profile []slow
		for _, u := range users {
			var mine []slow
			for _, w := range worst {
				if w.user == u.ID {
					mine = append(mine, w)
				}
			}
			missed := false
			for _, w := range mine {
				if w.p99 > 20*time.Millisecond {
					profile, missed = append(profile, w), true
				}
			}
			if !missed && len(mine) > 0 {
				s := mine[0]
				for _, w := range mine {
					if w.p99 > s.p99 {
						s = w
					}
				}
				profile = append(profile, s)
			}
		}
		for _, w := range profile {
			path, err := listPath(ctx, api, w.user, w.q)
			if err != nil {
				return nil, err
			}
			plan, err := explain(ctx, e, []string{"FROM tasks t", "FROM task_tags tt"}, func() error { return api.Do(ctx, "GET", w.user, path, nil, nil, 200) })
			if err != nil {
				e.Log.Warn("profiling a list query", "query", w.q.Name, "err", err)
				continue
			}
			e.AddProfile(fmt.Sprintf("EXPLAIN ANALYZE (auto_explain) of GET /tasks?%s, user with %s tasks (p99 %s)",
				w.q.Query.Encode(), thousands(w.tasks), report.Format(ms(w.p99), "ms")), plan)
		}
		// Last, on the same table: the schema migrations (migrate.go).
		t0 := time.Now()
		more, err := Migrations(ctx, e, "3 list")
		e.Log.Info("migrations measured", "took", time.Since(t0).Round(time.Millisecond))
		return append(figs, more...), err
	}}
}

// listPath is the request path of q; for a second page it fetches the first for its cursor.
func listPath(ctx context.Context, api *API, user string, q ListQuery) (string, error) {
	path := "/tasks?" + q.Query.Encode()
	if !q.Page2 {
		return path, nil
	}
	var first TaskList
	if err := api.Do(ctx, "GET", user, path, nil, &first, 200); err != nil {
		return "", err
	}
	if first.NextCursor == nil {
		return "", fmt.Errorf("list %q: the first page has no next_cursor (%d rows)", q.Name, first.Count)
	}
	v := url.Values{}
	for k, vs := range q.Query {
		v[k] = vs
	}
	v.Set("cursor", *first.NextCursor)
	return "/tasks?" + v.Encode(), nil
}

// interleave sends each list request calls times, round-robin over the requests with
// one primary-key SELECT through pgx (one Postgres round trip, the floor under any request
// that reads the database) in every round, so noise from the machine's other tenants
// falls on all of them alike. It returns each request's latencies and row count, and the
// baseline's latencies.
func interleave(ctx context.Context, e *Env, api *API, user string, paths []string, calls int) ([]load.Latencies, []int, load.Latencies, error) {
	var id int64
	if err := e.Pool.QueryRow(ctx, `SELECT id FROM tasks WHERE user_id = $1 LIMIT 1`, user).Scan(&id); err != nil {
		return nil, nil, nil, fmt.Errorf("picking a task for the baseline: %w", err)
	}
	conn, err := e.Pool.Acquire(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	defer conn.Release()
	lat := make([][]time.Duration, len(paths))
	rows := make([]int, len(paths))
	var base []time.Duration
	for range calls {
		for i, p := range paths {
			var l TaskList
			t0 := time.Now()
			if err := api.Do(ctx, "GET", user, p, nil, &l, 200); err != nil {
				return nil, nil, nil, fmt.Errorf("listing: %w", err)
			}
			lat[i] = append(lat[i], time.Since(t0))
			rows[i] = l.Count
		}
		var title string
		t0 := time.Now()
		if err := conn.QueryRow(ctx, `SELECT title FROM tasks WHERE id = $1 AND user_id = $2`, id, user).Scan(&title); err != nil {
			return nil, nil, nil, fmt.Errorf("baseline SELECT: %w", err)
		}
		base = append(base, time.Since(t0))
	}
	out := make([]load.Latencies, len(paths))
	for i := range lat {
		out[i] = load.Sorted(lat[i])
	}
	return out, rows, load.Sorted(base), nil
}

// explain turns auto_explain on for every session (ANALYZE, BUFFERS), runs do, turns it
// off again and returns what the server logged meanwhile: the plans of the statements do
// caused, with actual times and rows (only statements on the tables named).
func explain(ctx context.Context, e *Env, tables []string, do func() error) (string, error) {
	st, err := os.Stat(e.PGLog)
	if err != nil {
		return "", fmt.Errorf("reading the Postgres log: %w", err)
	}
	from := st.Size()
	set := []string{
		`ALTER SYSTEM SET auto_explain.log_min_duration = 0`,
		`ALTER SYSTEM SET auto_explain.log_analyze = on`,
		`ALTER SYSTEM SET auto_explain.log_buffers = on`,
		`SELECT pg_reload_conf()`,
	}
	reset := []string{
		`ALTER SYSTEM RESET auto_explain.log_min_duration`,
		`ALTER SYSTEM RESET auto_explain.log_analyze`,
		`ALTER SYSTEM RESET auto_explain.log_buffers`,
		`SELECT pg_reload_conf()`,
	}
	for _, s := range set {
		if _, err := e.Pool.Exec(ctx, s); err != nil {
			return "", fmt.Errorf("turning auto_explain on: %w", err)
		}
	}
	time.Sleep(300 * time.Millisecond) // backends pick the reload up between statements
	runErr := do()
	for _, s := range reset {
		if _, err := e.Pool.Exec(context.WithoutCancel(ctx), s); err != nil {
			return "", fmt.Errorf("turning auto_explain off: %w", err)
		}
	}
	if runErr != nil {
		return "", runErr
	}
	time.Sleep(200 * time.Millisecond)
	b, err := os.ReadFile(e.PGLog)
	if err != nil {
		return "", fmt.Errorf("reading the Postgres log: %w", err)
	}
	if int64(len(b)) < from {
		from = 0
	}
	return planText(string(b[from:]), tables...), nil
}

// planText keeps the auto_explain entries of a log excerpt whose statement mentions one of
// the tables named, without the line prefixes. Other processes' statements logged meanwhile
// (the reminder ticker's) are dropped.
func planText(log string, tables ...string) string {
	var entries [][]string
	var cur []string
	flush := func() {
		if cur != nil {
			entries = append(entries, cur)
		}
		cur = nil
	}
	for _, line := range strings.Split(log, "\n") {
		if i := strings.Index(line, "LOG:  duration:"); i >= 0 {
			flush()
			cur = []string{strings.TrimSpace(line[i+len("LOG:  "):])}
			continue
		}
		if cur != nil && (strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " ")) {
			cur = append(cur, strings.TrimRight(line, " "))
			continue
		}
		flush()
	}
	flush()
	var out []string
	for _, e := range entries {
		text := strings.Join(e, "\n")
		for _, t := range tables {
			if strings.Contains(text, t) {
				out = append(out, text)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// thousands writes a count with thousands separators (12,345; 24, not 24.0).
func thousands(n int) string {
	if n > -1000 && n < 1000 {
		return strconv.Itoa(n)
	}
	return report.Format(float64(n), "")
}
