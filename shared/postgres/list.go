package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/todo"
)

// cursor is where the previous page ended: the last row's sort key and id. It also names
// the sort it belongs to, so a cursor reused with another sort is refused, not misread.
type cursor struct {
	Sort todo.Sort `json:"s"`
	Desc bool      `json:"d"`
	Key  *string   `json:"k"` // nil: the last row had no due date
	ID   int64     `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, q todo.TaskQuery) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := todo.Errorf(todo.Invalid, "cursor", "cursor is not one this list handed out; start again without it")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Sort != q.Sort || c.Desc != q.Desc || c.ID <= 0 {
		return nil, bad
	}
	if c.Key != nil {
		switch c.Sort {
		case todo.SortDueDate, todo.SortCreatedAt:
			if _, err := time.Parse(time.RFC3339Nano, *c.Key); err != nil {
				return nil, bad
			}
		case todo.SortPriority:
			if _, err := strconv.Atoi(*c.Key); err != nil {
				return nil, bad
			}
		}
	} else if c.Sort != todo.SortDueDate {
		return nil, bad
	}
	return &c, nil
}

// sortKey is the SQL expression a sort orders by, and its Postgres type for the cursor.
func sortKey(s todo.Sort) (expr, typ string) {
	switch s {
	case todo.SortDueDate:
		return "t.due_date", "timestamptz"
	case todo.SortPriority:
		return "t.priority", "smallint"
	case todo.SortTitle:
		return "lower(t.title)", "text"
	default:
		return "t.created_at", "timestamptz"
	}
}

// SearchQuery turns what a person typed into a prefix-matching tsquery: every word must
// match the start of a word in the title or description ("rep" finds "report"). Characters
// with meaning to tsquery are dropped, so no input can make it fail.
func SearchQuery(s string) string { return strings.Join(searchTerms(s), " & ") }

// searchTerms are SearchQuery's terms, one per word typed.
func searchTerms(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, w := range words {
		// PostgreSQL estimates a prefix term from the most common words of the search
		// column's statistics: on a real vocabulary within a few percent
		// (TestPrefixSearchEstimateOnARealisticVocabulary), which lets the planner filter a
		// small list and walk the sort index of a large one. (With fewer than 100 distinct
		// words in the statistics it falls back to a flat 2%; "w | w:*", tried for that
		// case, over-counts a common whole word twice on a real vocabulary.)
		words[i] = w + ":*"
	}
	return words
}

// indexedTerm splits the terms of a search into the one the search index is offered (the
// longest: a longer prefix matches fewer words) and the rest, checked on the rows found.
// The index reads every task of every user whose text has a term, so "budget:* & plan:*"
// costs the 200,000 tasks with "budget" plus the 180,000 with "plan" in a table of 1M,
// yet PostgreSQL costs it by the 37,000 that have both: it took 95 ms of the 98 ms of a
// search with a tag and a due window. Offered one term, the index is costed by that
// term's matches, and the planner takes it only for a rare word.
func indexedTerm(terms []string) (indexed string, rest []string) {
	best := 0
	for i, t := range terms {
		if len(t) > len(terms[best]) {
			best = i
		}
	}
	return terms[best], append(slices.Clone(terms[:best]), terms[best+1:]...)
}

func (s *Store) tagIDs(ctx context.Context, userID string, names []string) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM tags WHERE user_id = $1 AND name_key = ANY($2)`, userID, tagKeys(names))
	if err != nil {
		return nil, fmt.Errorf("resolving tag names: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("resolving tag names: %w", err)
	}
	return ids, nil
}

// walkRows is how many rows of the user's sort index a page with a tag filter reads before
// it gives up walking, per row of the page: the walk answers when at least 1 row in 40
// matches. It is the rows read when it gives up, on top of the filter-first statement.
const walkRows = 40

// listStatements are the statements that can answer a page, with their arguments: direct
// lets the planner choose how; walk, when not empty, reads at most walkRows*(limit+1) rows
// along the user's sort index and keeps the matches, and has the page only when it found
// a whole one.
type listStatements struct {
	direct, walk string
	args         []any
	// filter, set with walk, names the user, the filters and the order without the
	// cursor: the pages of one list share it (walkMemo's key).
	filter string
}

// listSQL writes the statements of a page of q for userID after cur; tagIDs are q.Tags
// resolved to the user's tag ids.
func listSQL(userID string, q todo.TaskQuery, cur *cursor, tagIDs []int64) listStatements {
	args := []any{userID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	key, typ := sortKey(q.Sort)
	// scope is the user and the range of the sort index the page lies in; filters are
	// checked on each row of it.
	scope := []string{"t.user_id = $1"}
	var filters []string
	switch q.Status {
	case todo.StatusPending:
		filters = append(filters, "NOT t.completed")
	case todo.StatusCompleted:
		filters = append(filters, "t.completed")
	}
	if q.Priority != nil {
		p := arg(*q.Priority)
		if q.Sort == todo.SortPriority {
			// A range, not "= p": with the key equal to a constant the planner drops it
			// from the order and may walk the primary key backwards, filtering on the user,
			// instead of the user's priority index.
			scope = append(scope, fmt.Sprintf("t.priority >= %s AND t.priority <= %s", p, p))
		} else {
			filters = append(filters, "t.priority = "+p)
		}
	}
	due := &filters
	if q.Sort == todo.SortDueDate {
		due = &scope
	}
	if q.DueAfter != nil {
		*due = append(*due, "t.due_date >= "+arg(*q.DueAfter))
	}
	if q.DueBefore != nil {
		*due = append(*due, "t.due_date < "+arg(*q.DueBefore))
	}
	if len(tagIDs) > 0 {
		filters = append(filters, fmt.Sprintf("t.tag_ids @> %s::bigint[]", arg(tagIDs)))
	}
	if terms := searchTerms(q.Search); len(terms) > 0 {
		indexed, rest := indexedTerm(terms)
		filters = append(filters, fmt.Sprintf("t.search @@ to_tsquery('simple', %s)", arg(indexed)))
		if len(rest) > 0 {
			// IS TRUE keeps the planner's estimate of the terms (booltestsel asks the
			// clause) but is no operator the search index can take.
			filters = append(filters, fmt.Sprintf("(t.search @@ to_tsquery('simple', %s)) IS TRUE", arg(strings.Join(rest, " & "))))
		}
	}

	dir, cmp := "ASC", ">"
	if q.Desc {
		dir, cmp = "DESC", "<"
	}
	var filter string
	if len(tagIDs) > 0 { // only pages that may walk need walkMemo's key
		filter = fmt.Sprintf("%s|%s|%s|%d|%v", strings.Join(scope, " AND "), strings.Join(filters, " AND "), dir, q.Limit, args)
	}
	if cur != nil {
		id := arg(cur.ID)
		switch {
		case cur.Key == nil: // only due_date has nulls; they come last and sort by id
			scope = append(scope, fmt.Sprintf("%s IS NULL AND t.id %s %s", key, cmp, id))
		case q.Sort == todo.SortDueDate:
			scope = append(scope, fmt.Sprintf("(%s IS NULL OR (%s, t.id) %s (%s::%s, %s))", key, key, cmp, arg(*cur.Key), typ, id))
		default:
			scope = append(scope, fmt.Sprintf("(%s, t.id) %s (%s::%s, %s)", key, cmp, arg(*cur.Key), typ, id))
		}
	}
	// Only due_date can be null. Writing NULLS LAST on the other (NOT NULL) keys would stop
	// Postgres from reading their indexes backwards for a descending sort: it would sort the
	// user's whole list instead of reading one page.
	nulls := ""
	if q.Sort == todo.SortDueDate {
		nulls = " NULLS LAST"
	}
	orderBy := func(key string) string { return fmt.Sprintf("ORDER BY %s %s%s, t.id %s", key, dir, nulls, dir) }
	where := strings.Join(append(slices.Clone(scope), filters...), " AND ")
	st := listStatements{direct: fmt.Sprintf(`SELECT %s, %s::text FROM tasks t WHERE %s %s LIMIT %d`,
		taskColumns, key, where, orderBy(key), q.Limit+1)}
	if len(tagIDs) > 0 {
		// A tag belongs to one user, so a tag's tasks are all the user's; the planner takes
		// the tag filter and the user as independent and expects a tenth of the rows for a
		// user with a tenth of the table (450 rows, not 4,532, for the benchmark's "pending,
		// high, #work, rev"): it sorts every match instead of walking the sort index, which
		// needs 1,300 rows for the page (3,295 buffers → 1,339). The walk reads the sort
		// index within scope only, so its LIMIT bounds the rows read; the key is an output
		// column so the outer ORDER BY is the walk's order and stops at the page's end.
		st.walk = fmt.Sprintf(`SELECT %s, t.sort_key::text FROM (SELECT t.*, %s AS sort_key FROM tasks t WHERE %s %s LIMIT %d) t WHERE %s %s LIMIT %d`,
			taskColumns, key, strings.Join(scope, " AND "), orderBy(key), walkRows*(q.Limit+1),
			strings.Join(filters, " AND "), orderBy("t.sort_key"), q.Limit+1)
	}
	st.args, st.filter = args, filter
	return st
}

// ListTasks returns one page of the user's tasks matching every filter, in the asked order
// with id breaking ties; tasks without a due date come last whatever the order.
func (s *Store) ListTasks(ctx context.Context, userID string, q todo.TaskQuery) (todo.TaskPage, error) {
	page := todo.TaskPage{Tasks: []todo.Task{}}
	cur, err := decodeCursor(q.Cursor, q)
	if err != nil {
		return page, err
	}
	if q.Zoned() {
		// Only a bound sent without a zone costs this lookup.
		u, err := s.User(ctx, userID)
		if err != nil {
			return page, err
		}
		q = q.In(u.Location)
	}
	var tagIDs []int64
	if len(q.Tags) > 0 {
		// Resolve names first: the planner estimates a literal id array far better than a
		// subquery, and a name the user does not have means nothing can match.
		if tagIDs, err = s.tagIDs(ctx, userID, q.Tags); err != nil {
			return page, err
		}
		if len(tagIDs) < len(q.Tags) {
			return page, nil
		}
	}
	st := listSQL(userID, q, cur, tagIDs)
	now := s.now()
	var keys []*string
	if st.walk != "" && !s.walks.futile(st.filter, now) {
		if page.Tasks, keys, err = s.listRows(ctx, st.walk, st.args); err != nil {
			return page, err
		}
		// Judged on a first page only: there the walk read its whole bound or the user's
		// whole scope (then filtering first sorts under 2,040 rows); a later page's walk may
		// have found little because the list ends.
		if cur == nil && 4*len(page.Tasks) < q.Limit+1 {
			s.walks.remember(st.filter, now)
		}
	}
	if len(page.Tasks) <= q.Limit {
		if page.Tasks, keys, err = s.listRows(ctx, st.direct, st.args); err != nil {
			return page, err
		}
	}
	ids := make([]int64, 0, len(page.Tasks))
	for _, t := range page.Tasks {
		ids = append(ids, t.ID)
	}
	if len(page.Tasks) > q.Limit {
		page.Tasks, ids = page.Tasks[:q.Limit], ids[:q.Limit]
		last := page.Tasks[q.Limit-1]
		k := keys[q.Limit-1]
		if _, typ := sortKey(q.Sort); k != nil && typ == "timestamptz" {
			// Postgres' text form of a timestamptz depends on the session zone; use RFC 3339.
			var t time.Time
			if q.Sort == todo.SortDueDate {
				t = *last.DueDate
			} else {
				t = last.CreatedAt
			}
			v := t.UTC().Format(time.RFC3339Nano)
			k = &v
		}
		next := cursor{Sort: q.Sort, Desc: q.Desc, Key: k, ID: last.ID}.encode()
		page.NextCursor, page.HasMore = &next, true
	}
	tags, err := tagsOfTasks(ctx, s.pool, ids)
	if err != nil {
		return page, err
	}
	for i := range page.Tasks {
		page.Tasks[i].Tags = tags[page.Tasks[i].ID]
		page.Tasks[i].ComputeOverdue(now)
	}
	page.Count = len(page.Tasks)
	return page, nil
}

// listRows runs a statement of listSQL: the tasks and each one's sort key as text.
func (s *Store) listRows(ctx context.Context, sql string, args []any) ([]todo.Task, []*string, error) {
	// Planned with this request's values every time (an unnamed statement): a cached
	// generic plan is made from the first calls and reused for every user, e.g. a plan for
	// a user with 100,000 tasks run for one with 1,000, and it cannot see that "report:*"
	// matches half of a list but "invoice:*" almost nothing.
	rows, err := s.pool.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("listing tasks: %w", err)
	}
	defer rows.Close()
	tasks := []todo.Task{}
	var keys []*string
	for rows.Next() {
		var r taskRow
		var rec *string
		var k *string
		if err := rows.Scan(&r.ID, &r.UserID, &r.Title, &r.Description, &r.Completed, &r.CompletedAt, &r.DueDate,
			&r.Priority, &rec, &r.RecurrenceEndDate, &r.anchor, &r.SpawnedFrom, &r.CreatedAt, &r.UpdatedAt, &k); err != nil {
			return nil, nil, fmt.Errorf("listing tasks: %w", err)
		}
		r.scanned(rec)
		tasks = append(tasks, r.Task)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("listing tasks: %w", err)
	}
	return tasks, keys, nil
}
