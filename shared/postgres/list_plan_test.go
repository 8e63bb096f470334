package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// listRecorder keeps the list statements a store runs (a pgx tracer), to explain them.
type listRecorder struct {
	mu    sync.Mutex
	stmts []listStmt
}

type listStmt struct {
	sql  string
	args []any
}

func (r *listRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "SELECT t.id,") && strings.Contains(d.SQL, " LIMIT ") {
		var args []any
		for _, a := range d.Args {
			if _, mode := a.(pgx.QueryExecMode); !mode {
				args = append(args, a)
			}
		}
		r.mu.Lock()
		r.stmts = append(r.stmts, listStmt{d.SQL, args})
		r.mu.Unlock()
	}
	return ctx
}

func (r *listRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// take returns the statements recorded since the last call.
func (r *listRecorder) take() []listStmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

func (s listStmt) walk() bool { return strings.Contains(s.sql, "sort_key") }

func recordedStore(t *testing.T) (*postgres.Store, *listRecorder) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := &listRecorder{}
	cfg.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return postgres.New(pool), rec
}

// listVocabulary is words drawn with a Zipf distribution, as bench/seed draws them: a few
// common real words (so "rev" finds "review" in half the tasks) and a long tail of rarer
// made-up ones, which the search statistics need to estimate prefixes.
var listVocabulary = func() []string {
	words := strings.Fields("review report call email meeting budget plan draft send update check fix write order")
	for _, c := range "bcdfgklmnprstvz" {
		for _, v := range "aeiou" {
			for _, c2 := range "bdgkmnprst" {
				words = append(words, string(c)+string(v)+string(c2)+"o")
			}
		}
	}
	return words
}()

var listTags = []string{"work", "home", "urgent", "errands", "finance", "health"}

// seedList gives user n tasks shaped like a real list (bench/seed's shape): a fifth
// without a due date, 30% done, priorities mostly medium, skewed words and, when tagged,
// tag i on 35%·0.75^i of the tasks.
func seedList(t *testing.T, pool *pgxpool.Pool, user string, n int, tagged bool, seed uint64, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO users (id) VALUES ($1)`, user); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	zipf := rand.NewZipf(rng, 1.15, 2, uint64(len(listVocabulary)-1))
	phrase := func(lo, hi int) string {
		w := make([]string, lo+rng.IntN(hi-lo+1))
		for i := range w {
			w[i] = listVocabulary[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
	rows := make([][]any, n)
	for i := range rows {
		var due any
		if rng.IntN(5) > 0 {
			due = now.Add(time.Duration(rng.Int64N(int64(545*24*time.Hour))) - 180*24*time.Hour).Truncate(time.Minute)
		}
		desc := ""
		if rng.IntN(2) == 0 {
			desc = phrase(3, 20)
		}
		created := now.Add(-time.Duration(rng.Int64N(int64(730 * 24 * time.Hour))))
		rows[i] = []any{user, phrase(2, 6), desc, rng.IntN(10) < 3, due, []int16{1, 2, 2, 2, 3, 3}[rng.IntN(6)], created, created}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"tasks"}, []string{"user_id", "title", "description", "completed",
		"due_date", "priority", "created_at", "updated_at"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	if !tagged {
		return
	}
	var tagIDs []int64
	for _, name := range listTags {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO tags (user_id, name, name_key) VALUES ($1, $2, $2) RETURNING id`, user, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		tagIDs = append(tagIDs, id)
	}
	res, err := pool.Query(ctx, `SELECT id FROM tasks WHERE user_id = $1 ORDER BY id`, user)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(res, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	var links [][]any
	for _, id := range ids {
		p := 0.35
		for _, tag := range tagIDs {
			if rng.Float64() < p {
				links = append(links, []any{id, tag})
			}
			p *= 0.75
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"task_tags"}, []string{"task_id", "tag_id"}, pgx.CopyFromRows(links)); err != nil {
		t.Fatal(err)
	}
}

func analyze(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `VACUUM ANALYZE tasks, task_tags, tags`); err != nil {
		t.Fatal(err)
	}
}

// listAll follows next_cursor through every page of q and returns the ids in order.
func listAll(t *testing.T, s *postgres.Store, user string, q todo.TaskQuery) []int64 {
	t.Helper()
	var ids []int64
	for range 1000 {
		page, err := s.ListTasks(context.Background(), user, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Tasks {
			ids = append(ids, tk.ID)
		}
		if !page.HasMore {
			return ids
		}
		if len(page.Tasks) != q.Limit {
			t.Fatalf("a page of %d tasks says there is more (limit %d)", len(page.Tasks), q.Limit)
		}
		q.Cursor = *page.NextCursor
	}
	t.Fatal("more than 1000 pages")
	return nil
}

// referenceList is what every page of q put together must be, written as plainly as SQL
// allows: tags through task_tags by name, the search as one tsquery, no limit.
func referenceList(t *testing.T, pool *pgxpool.Pool, user string, q todo.TaskQuery) []int64 {
	t.Helper()
	key := map[todo.Sort]string{todo.SortDueDate: "t.due_date", todo.SortPriority: "t.priority",
		todo.SortTitle: "lower(t.title)", todo.SortCreatedAt: "t.created_at"}[q.Sort]
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var prio *int16
	if q.Priority != nil {
		p := int16(*q.Priority)
		prio = &p
	}
	tags := q.Tags
	if tags == nil {
		tags = []string{}
	}
	rows, err := pool.Query(context.Background(), fmt.Sprintf(`SELECT t.id FROM tasks t WHERE t.user_id = $1
		AND ($2 = 'all' OR t.completed = ($2 = 'completed'))
		AND ($3::smallint IS NULL OR t.priority = $3)
		AND ($4::timestamptz IS NULL OR t.due_date >= $4) AND ($5::timestamptz IS NULL OR t.due_date < $5)
		AND NOT EXISTS (SELECT FROM unnest($6::text[]) AS n WHERE NOT EXISTS (
			SELECT FROM task_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.task_id = t.id AND g.name_key = lower(n)))
		AND ($7 = '' OR t.search @@ to_tsquery('simple', $7))
		ORDER BY %s %s NULLS LAST, t.id %s`, key, dir, dir),
		user, string(q.Status), prio, q.DueAfter, q.DueBefore, tags, postgres.SearchQuery(q.Search))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Every page of a filtered list, whichever statement answers it (the walk along the sort
// index or the filter-first statement after a walk that found too few), is the same as
// one plain query's rows: for every sort, both directions, through every cursor.
func TestListPagesAgreeWithAPlainQuery(t *testing.T) {
	t.Parallel()
	s, rec := recordedStore(t)
	now := time.Now().UTC().Truncate(time.Second)
	seedList(t, s.Pool(), "ann", 3000, true, 1, now)
	seedList(t, s.Pool(), "bob", 500, true, 2, now) // the same tag names, other ids
	analyze(t, s.Pool())
	day := 24 * time.Hour
	high := todo.High
	from, to := now.Add(-30*day), now.Add(90*day)
	filters := map[string]todo.TaskQuery{
		"a tag":                          {Tags: []string{"work"}},
		"prefix, pending, high, a tag":   {Status: todo.StatusPending, Priority: &high, Tags: []string{"work"}, Search: "rev"},
		"every filter":                   {Status: todo.StatusPending, Priority: &high, Tags: []string{"work", "urgent"}, DueAfter: &from, DueBefore: &to, Search: "review report"},
		"a rare tag, a rare word":        {Tags: []string{"health"}, Search: "bak"},
		"done, two tags, a due window":   {Status: todo.StatusCompleted, Tags: []string{"home", "errands"}, DueAfter: &from},
		"two words, no tag":              {Search: "plan review"},
		"high, a tag, a due window only": {Priority: &high, Tags: []string{"urgent"}, DueBefore: &to},
	}
	walked, fellBack := 0, 0
	for name, f := range filters {
		for _, sort := range []todo.Sort{todo.SortCreatedAt, todo.SortDueDate, todo.SortPriority, todo.SortTitle} {
			for _, desc := range []bool{false, true} {
				q := f
				if q.Status == "" {
					q.Status = todo.StatusAll
				}
				q.Sort, q.Desc, q.Limit = sort, desc, 40
				want := referenceList(t, s.Pool(), "ann", q)
				rec.take()
				got := listAll(t, s, "ann", q)
				if !slices.Equal(got, want) {
					t.Errorf("%s, by %s desc=%v: pages give %d tasks %v..., want %d %v...", name, sort, desc,
						len(got), got[:min(5, len(got))], len(want), want[:min(5, len(want))])
				}
				stmts := rec.take()
				for i, st := range stmts {
					if st.walk() {
						walked++
						if i+1 < len(stmts) && !stmts[i+1].walk() {
							fellBack++
						}
					}
				}
			}
		}
	}
	t.Logf("%d walks, %d of them followed by the filter-first statement", walked, fellBack)
	if fellBack == 0 || fellBack == walked {
		t.Errorf("%d walks, %d fell back: the cases do not exercise both ways of answering", walked, fellBack)
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON), with ANALYZE's counts.
type planNode struct {
	NodeType   string     `json:"Node Type"`
	Relation   string     `json:"Relation Name"`
	IndexName  string     `json:"Index Name"`
	PlanRows   float64    `json:"Plan Rows"`
	ActualRows float64    `json:"Actual Rows"`
	Loops      float64    `json:"Actual Loops"`
	Removed    float64    `json:"Rows Removed by Filter"`
	Rechecked  float64    `json:"Rows Removed by Index Recheck"`
	Plans      []planNode `json:"Plans"`
}

func (n planNode) each(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.each(f)
	}
}

// explain plans sql with args as ListTasks runs it (an unnamed statement, planned with
// these values), and with analyze runs it.
func explain(t *testing.T, pool *pgxpool.Pool, analyze bool, sql string, args []any) planNode {
	t.Helper()
	opts := "FORMAT JSON"
	if analyze {
		opts = "ANALYZE, " + opts
	}
	var raw []byte
	if err := pool.QueryRow(context.Background(), "EXPLAIN ("+opts+") "+sql,
		append([]any{pgx.QueryExecModeExec}, args...)...).Scan(&raw); err != nil {
		t.Fatalf("explaining %s: %v", sql, err)
	}
	var out []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		t.Fatalf("plan %s: %v", raw, err)
	}
	return out[0].Plan
}

// indexScan is the plan's scan of the named index (zero if none).
func indexScan(p planNode, index string) (scan planNode) {
	p.each(func(n planNode) {
		if n.IndexName == index {
			scan = n
		}
	})
	return scan
}

// A user with a fifth of a table of 100,000 tasks, tagged the way bench/seed tags. A tag
// belongs to one user, which the planner cannot know: it takes "this user" and "has #work"
// as independent and expects a fifth of the tasks that match. For the benchmark's "pending,
// high, #work, rev" by due date the page is then answered by walking the due-date index
// (about 1,100 rows for 51), not by sorting every match; for "every filter" the walk gives
// up after its bound and the filter-first statement does not read the search index for
// common words (95 ms of 98 in the benchmark).
func TestTagFilteredListWalksTheSortIndexOnARealisticTable(t *testing.T) {
	t.Parallel()
	s, rec := recordedStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	seedList(t, s.Pool(), "big", 20_000, true, 1, now)
	for i := range 80 {
		seedList(t, s.Pool(), fmt.Sprintf("crowd-%d", i), 1_000, false, uint64(10+i), now)
	}
	analyze(t, s.Pool())
	high := todo.High
	day := 24 * time.Hour
	from, to := now.Add(-30*day), now.Add(90*day)

	// The walk answers "pending, high, #work, rev" by due date.
	q := todo.TaskQuery{Status: todo.StatusPending, Priority: &high, Tags: []string{"work"}, Search: "rev",
		Sort: todo.SortDueDate, Limit: 50}
	rec.take()
	page, err := s.ListTasks(ctx, "big", q)
	if err != nil {
		t.Fatal(err)
	}
	stmts := rec.take()
	if len(page.Tasks) != 50 || len(stmts) != 1 || !stmts[0].walk() {
		t.Fatalf("%d tasks from %d statements (walk first: %v), want 50 from the walk alone",
			len(page.Tasks), len(stmts), len(stmts) > 0 && stmts[0].walk())
	}
	plan := explain(t, s.Pool(), true, stmts[0].sql, stmts[0].args)
	scan := indexScan(plan, "tasks_user_due")
	if scan.NodeType != "Index Scan" || scan.ActualRows >= 40*51 || plan.ActualRows != 51 {
		t.Errorf("the walk read %.0f rows of tasks_user_due (%q) for %.0f, want an index scan that stops at the page's end",
			scan.ActualRows, scan.NodeType, plan.ActualRows)
	}
	var tagID int64
	if err := s.Pool().QueryRow(ctx, `SELECT id FROM tags WHERE user_id = 'big' AND name = 'work'`).Scan(&tagID); err != nil {
		t.Fatal(err)
	}
	direct, _, args := postgres.ListSQL("big", q, []int64{tagID})
	all := explain(t, s.Pool(), true, direct[:strings.LastIndex(direct, " LIMIT ")], args)
	t.Logf("the walk read %.0f rows of the due-date index for the page; the planner expects %.0f tasks to match, %.0f do",
		scan.ActualRows, all.PlanRows, all.ActualRows)

	// "Every filter" is too selective for the walk; the statement after it leaves the
	// search index to rare words.
	q = todo.TaskQuery{Status: todo.StatusPending, Priority: &high, Tags: []string{"work", "urgent"},
		DueAfter: &from, DueBefore: &to, Search: "budget plan", Sort: todo.SortPriority, Desc: true, Limit: 50}
	clock := now
	s.Now = func() time.Time { return clock }
	wantIDs := listAll(t, s, "big", q)
	stmts = rec.take()
	if len(stmts) != 2 || !stmts[0].walk() || stmts[1].walk() {
		t.Fatalf("%d statements, want the walk then the filter-first statement", len(stmts))
	}
	first := stmts
	if len(wantIDs) == 0 || len(wantIDs) >= 13 {
		t.Fatalf("every filter matched %d tasks; the test needs a few, under a quarter of a page", len(wantIDs))
	}
	// The walk found almost nothing: the same list reloaded goes filter-first at once, with
	// the same page, until the memory of it runs out; a list whose walk answered still walks.
	for _, c := range []struct {
		after time.Duration
		walk  bool
	}{{time.Second, false}, {4 * time.Minute, false}, {5*time.Minute + time.Second, true}} {
		clock = now.Add(c.after)
		got := listAll(t, s, "big", q)
		stmts := rec.take()
		want := 1
		if c.walk {
			want = 2
		}
		if walked := len(stmts) > 0 && stmts[0].walk(); walked != c.walk || len(stmts) != want {
			t.Errorf("%v later: %d statements, walk first %v; want %d, walk first %v", c.after, len(stmts), walked, want, c.walk)
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%v later: tasks %v, want %v", c.after, got, wantIDs)
		}
	}
	clock = now
	q2 := todo.TaskQuery{Status: todo.StatusPending, Priority: &high, Tags: []string{"work"}, Search: "rev",
		Sort: todo.SortDueDate, Limit: 50}
	if _, err := s.ListTasks(ctx, "big", q2); err != nil {
		t.Fatal(err)
	}
	if stmts := rec.take(); len(stmts) != 1 || !stmts[0].walk() {
		t.Errorf("a list the walk answers: %d statements the second time, want the walk alone", len(stmts))
	}
	stmts = first
	if walk := indexScan(explain(t, s.Pool(), true, stmts[0].sql, stmts[0].args), "tasks_user_priority"); walk.ActualRows != 40*51 {
		t.Errorf("the walk read %.0f rows of tasks_user_priority (%q), want its bound, %d", walk.ActualRows, walk.NodeType, 40*51)
	}
	if gin := indexScan(explain(t, s.Pool(), false, stmts[1].sql, stmts[1].args), "tasks_search"); gin.NodeType != "" {
		t.Errorf("the filter-first statement reads the search index for two common words (%.0f rows expected)", gin.PlanRows)
	}

	// One term goes to the search index, the others are checked as "(...) IS TRUE": the
	// estimate is the same as for the whole tsquery.
	one := explain(t, s.Pool(), false, `SELECT id FROM tasks t WHERE t.search @@ to_tsquery('simple', 'budget:* & plan:*')`, nil)
	split := explain(t, s.Pool(), false, `SELECT id FROM tasks t WHERE t.search @@ to_tsquery('simple', 'budget:*')
		AND (t.search @@ to_tsquery('simple', 'plan:*')) IS TRUE`, nil)
	if r := split.PlanRows / one.PlanRows; r < 0.95 || r > 1.05 {
		t.Errorf("split search: %.0f rows expected, %.0f for the whole tsquery", split.PlanRows, one.PlanRows)
	}
}
