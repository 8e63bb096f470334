package scenario

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/shared/postgres"
)

// migrationsDir holds the schema migrations the binaries embed (shared/postgres).
const migrationsDir = "shared/postgres/migrations"

// probedTables are the tables the write probe touches while migrations run (the table of
// scenario 3, and the two every create and every reminder writes), each with the column
// the probe sets to itself.
var probedTables = map[string]string{"tasks": "updated_at", "outbox": "attempts", "reminders": "attempts"}

// Migrations measures the schema migrations on the table scenario 3 built (part of
// scenario 3; id labels the figures). 00001 creates the tables and their indexes on an
// empty database and cannot be undone without dropping the data, so it stays; every later
// migration is rolled back (goose down to 1) and applied again (goose up) with goose, from
// the files the binaries embed: the up is what upgrading a first-release database holding
// this data costs. Meanwhile a probe writes one row of tasks, outbox and reminders every
// 20 ms, and the longest each write waited tells whether a migration blocks writes.
// Baseline: a plain CREATE INDEX on tasks (as every index of 00001 is written: without
// CONCURRENTLY), with the same probe; and its CONCURRENTLY form. Also timed: Migrate with
// nothing to apply, what every process started with MIGRATE=true pays.
func Migrations(ctx context.Context, e *Env, id string) ([]report.Figure, error) {
	fsys := os.DirFS(filepath.Join(e.Root, migrationsDir))
	scan, err := scanMigrations(fsys)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(e.Pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("loading the migrations: %w", err)
	}
	var rows int64
	if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM tasks`).Scan(&rows); err != nil {
		return nil, err
	}
	sizes, err := rowCounts(ctx, e, scan.tables())
	if err != nil {
		return nil, err
	}

	// Nothing to apply: goose reads its version table under its lock and finds no work.
	var noop, trip []time.Duration
	for range 5 {
		t0 := time.Now()
		if err := postgres.Migrate(ctx, e.Pool); err != nil {
			return nil, err
		}
		noop = append(noop, time.Since(t0))
		t0 = time.Now()
		if _, err := e.Pool.Exec(ctx, `SELECT 1`); err != nil {
			return nil, err
		}
		trip = append(trip, time.Since(t0))
	}

	t0 := time.Now()
	down, err := p.DownTo(ctx, 1)
	if err != nil {
		return nil, fmt.Errorf("rolling the migrations back to 00001: %w", err)
	}
	downTook := time.Since(t0)
	probe := startWriteProbe(ctx, e)
	t0 = time.Now()
	up, err := p.Up(ctx)
	upTook := time.Since(t0)
	upWaits := probe()
	if err != nil {
		return nil, fmt.Errorf("applying the migrations again: %w", err)
	}
	if len(up) != len(down) {
		return nil, fmt.Errorf("rolled back %d migrations but applied %d again", len(down), len(up))
	}

	// The baseline: one of 00001's tasks indexes built again on the full table, plain and
	// then concurrently, each with the probe.
	const index = `bench_tasks_user_due ON tasks (user_id, due_date, id)`
	plain, plainWaits, err := buildIndex(ctx, e, `CREATE INDEX `+index)
	if err != nil {
		return nil, err
	}
	conc, concWaits, err := buildIndex(ctx, e, `CREATE INDEX CONCURRENTLY `+index)
	if err != nil {
		return nil, err
	}

	if _, ok := upWaits["tasks"]; !ok {
		return nil, fmt.Errorf("the write probe could not write to tasks (see its warning in the log)")
	}
	var each []string
	for _, r := range up {
		each = append(each, fmt.Sprintf("%05d %s", r.Source.Version, report.Format(ms(r.Duration), "ms")))
	}
	e.AddProfile(fmt.Sprintf("%s: the locks the migrations take (from their SQL), and the rows of each table they index or alter when measured", id),
		scan.describe(sizes)+"\n\nup, per migration: "+strings.Join(each, ", "))
	on := fmt.Sprintf("on %s tasks", thousands(int(rows)))
	name := fmt.Sprintf("schema migrations 00002-%05d (%d, every one after the first) applied again %s: time of goose up", up[len(up)-1].Source.Version, len(up), on)
	return []report.Figure{
		report.Measured(id, name, "ms", ms(upTook)).
			WithBaseline("plain CREATE INDEX (user_id, due_date, id) on tasks", ms(plain)).
			WithNote("per migration: %s; the down before it took %s; 00001 (the tables and 8 tasks indexes, on an empty database) not repeated",
				strings.Join(each, ", "), report.Format(ms(downTook), "ms")),
		report.Measured(id, "longest a one-row write to tasks took during those migrations (probe every 20 ms)", "ms", ms(upWaits["tasks"])).
			WithBaseline("during the plain CREATE INDEX", ms(plainWaits["tasks"])).
			WithNote("outbox %s, reminders %s (during the CREATE INDEX: %s, %s); a CREATE INDEX without CONCURRENTLY holds SHARE on its table: writes wait for the whole build; %s",
				waited(upWaits, "outbox"), waited(upWaits, "reminders"), waited(plainWaits, "outbox"), waited(plainWaits, "reminders"), scan.summary()),
		report.Measured(id, "CREATE INDEX CONCURRENTLY (user_id, due_date, id) "+on, "ms", ms(conc)).
			WithBaseline("plain CREATE INDEX", ms(plain)).
			WithNote("longest wait of a write to tasks meanwhile: %s (plain: %s)", waited(concWaits, "tasks"), waited(plainWaits, "tasks")),
		report.Measured(id, "Migrate with nothing to apply (every start with MIGRATE=true), median of 5 "+on, "ms", ms(load.Sorted(noop).Quantile(0.5))).
			WithBaseline("SELECT 1 round trip", ms(load.Sorted(trip).Quantile(0.5))),
	}, nil
}

// buildIndex runs the CREATE INDEX statement of the baseline with the write probe, then
// drops the index; it returns how long the build took and the probe's longest waits.
func buildIndex(ctx context.Context, e *Env, statement string) (time.Duration, map[string]time.Duration, error) {
	probe := startWriteProbe(ctx, e)
	t0 := time.Now()
	_, err := e.Pool.Exec(ctx, statement)
	took := time.Since(t0)
	waits := probe()
	if err != nil {
		return 0, nil, fmt.Errorf("baseline %s: %w", statement, err)
	}
	if _, err := e.Pool.Exec(ctx, `DROP INDEX bench_tasks_user_due`); err != nil {
		return 0, nil, err
	}
	return took, waits, nil
}

// startWriteProbe writes one row of each probed table every 20 ms, each on its own
// connection (a write blocked on one table does not hold up the others), until the
// returned function is called; that waits for the writes in flight (a write blocked by the
// statement measured goes through when it commits, and its wait is the one that matters)
// and returns the longest any write to each table took. The writes change nothing (a
// column set to itself, one row picked at start). A table left out of the result was
// empty: nothing to probe.
func startWriteProbe(ctx context.Context, e *Env) (stop func() map[string]time.Duration) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	worst := map[string]time.Duration{}
	for table, column := range probedTables {
		wg.Go(func() {
			conn, err := e.Pool.Acquire(ctx)
			if err != nil {
				return
			}
			defer conn.Release()
			// The oldest row: no process of the run is working on it, so the probe waits
			// only for table locks.
			var id int64
			if err := conn.QueryRow(ctx, `SELECT id FROM `+table+` ORDER BY id LIMIT 1`).Scan(&id); err != nil {
				return
			}
			for {
				t0 := time.Now()
				if _, err := conn.Exec(ctx, `UPDATE `+table+` SET `+column+` = `+column+` WHERE id = $1`, id); err != nil {
					e.Log.Warn("write probe", "table", table, "err", err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				worst[table] = max(worst[table], d)
				mu.Unlock()
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	return func() map[string]time.Duration {
		close(done)
		wg.Wait()
		return worst
	}
}

// waited formats the longest wait the probe saw on table.
func waited(worst map[string]time.Duration, table string) string {
	d, ok := worst[table]
	if !ok {
		return "not probed (empty table)"
	}
	return report.Format(ms(d), "ms")
}

// rowCounts are the estimated rows of each table (pg_class.reltuples, after ANALYZE).
func rowCounts(ctx context.Context, e *Env, tables []string) (map[string]int64, error) {
	rows, err := e.Pool.Query(ctx, `SELECT relname, greatest(reltuples, 0)::bigint FROM pg_class WHERE relkind = 'r' AND relname = ANY($1)`, tables)
	if err != nil {
		return nil, fmt.Errorf("counting rows: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, rows.Err()
}

// migrationLock is a statement of a migration's Up that locks an existing table against
// writes.
type migrationLock struct {
	File, Table, What string
	// IndexBuild is a CREATE INDEX without CONCURRENTLY: writes wait for the whole build.
	IndexBuild bool
}

// migrationScan is what scanMigrations found.
type migrationScan struct{ locks []migrationLock }

var (
	createIndexRe  = regexp.MustCompile(`(?is)^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+ON\s+(ONLY\s+)?(\w+)`)
	alterTableRe   = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?(ONLY\s+)?(\w+)\s+(.*)`)
	createTrigRe   = regexp.MustCompile(`(?is)^CREATE\s+(OR\s+REPLACE\s+)?TRIGGER\s+\w+.*?\s+ON\s+(\w+)`)
	createTableRe  = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	referencesRe   = regexp.MustCompile(`(?i)\bREFERENCES\s+(\w+)`)
	lineCommentRe  = regexp.MustCompile(`--[^\n]*`)
	dollarQuotedRe = regexp.MustCompile(`(?s)\$\$.*?\$\$`)
)

// scanMigrations reads the Up half of every migration and lists the statements that lock
// a table created by an earlier migration: index builds (SHARE: writes wait for the whole
// build unless CONCURRENTLY), ALTER TABLE (ACCESS EXCLUSIVE: reads and writes wait; short
// unless it rewrites or scans the table: SET NOT NULL, a new CHECK), triggers and foreign
// keys (SHARE ROW EXCLUSIVE on the table: writes wait, briefly). Tables the same migration
// creates are left out: nobody can be waiting on them.
func scanMigrations(fsys fs.FS) (migrationScan, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return migrationScan{}, err
	}
	if len(names) == 0 {
		return migrationScan{}, fmt.Errorf("no migrations in %s", migrationsDir)
	}
	slices.Sort(names)
	var s migrationScan
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return migrationScan{}, err
		}
		s.locks = append(s.locks, scanMigration(name, string(b))...)
	}
	return s, nil
}

// scanMigration is scanMigrations for one file.
func scanMigration(name, sql string) []migrationLock {
	up, _, _ := strings.Cut(sql, "-- +goose Down")
	up = dollarQuotedRe.ReplaceAllString(lineCommentRe.ReplaceAllString(up, ""), "$$$$")
	created := map[string]bool{}
	var out []migrationLock
	add := func(table, what string, index bool) {
		if !created[strings.ToLower(table)] {
			out = append(out, migrationLock{File: name, Table: strings.ToLower(table), What: what, IndexBuild: index})
		}
	}
	for _, st := range strings.Split(up, ";") {
		st = strings.Join(strings.Fields(st), " ")
		if m := createTableRe.FindStringSubmatch(st); m != nil {
			created[strings.ToLower(m[2])] = true // first: a table may reference itself
			for _, r := range referencesRe.FindAllStringSubmatch(st, -1) {
				add(r[1], "foreign key from new table "+m[2]+" (SHARE ROW EXCLUSIVE: writes wait, briefly)", false)
			}
			continue
		}
		if m := createIndexRe.FindStringSubmatch(st); m != nil {
			if m[2] != "" {
				add(m[6], "CREATE INDEX CONCURRENTLY "+m[4]+" (writes go on)", false)
			} else {
				add(m[6], "CREATE INDEX "+m[4]+" without CONCURRENTLY (SHARE: writes wait for the whole build)", true)
			}
			continue
		}
		if m := alterTableRe.FindStringSubmatch(st); m != nil {
			what := m[4]
			if len(what) > 60 {
				what = what[:60] + "…"
			}
			add(m[3], "ALTER TABLE "+what+" (ACCESS EXCLUSIVE: reads and writes wait; long if it rewrites or scans the table)", false)
			continue
		}
		if m := createTrigRe.FindStringSubmatch(st); m != nil {
			add(m[2], "CREATE TRIGGER (SHARE ROW EXCLUSIVE: writes wait, briefly)", false)
		}
	}
	return out
}

// tables are the tables some migration locks.
func (s migrationScan) tables() []string {
	var out []string
	for _, l := range s.locks {
		if !slices.Contains(out, l.Table) {
			out = append(out, l.Table)
		}
	}
	return out
}

// summary says in one phrase which migrations build an index on an existing table without
// CONCURRENTLY, and on which tables.
func (s migrationScan) summary() string {
	var builds []string
	onTasks := false
	for _, l := range s.locks {
		version, _, _ := strings.Cut(l.File, "_")
		if b := version + " on " + l.Table; l.IndexBuild && !slices.Contains(builds, b) {
			builds = append(builds, b)
			onTasks = onTasks || l.Table == "tasks"
		}
	}
	if len(builds) == 0 {
		return "no migration builds an index on an existing table without CONCURRENTLY"
	}
	s2 := "index builds without CONCURRENTLY on existing tables: " + strings.Join(builds, ", ")
	if !onTasks {
		s2 += " (none on tasks)"
	}
	return s2
}

// describe lists every locking statement with the rows its table held (rows by table).
func (s migrationScan) describe(rows map[string]int64) string {
	var b strings.Builder
	for _, l := range s.locks {
		fmt.Fprintf(&b, "%s: %s on %s (%s rows)\n", l.File, l.What, l.Table, thousands(int(rows[l.Table])))
	}
	return strings.TrimRight(b.String(), "\n")
}
