package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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
func SearchQuery(s string) string {
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
	return strings.Join(words, " & ")
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
	args := []any{userID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where strings.Builder
	where.WriteString("t.user_id = $1")
	and := func(format string, a ...any) { where.WriteString(" AND " + fmt.Sprintf(format, a...)) }
	switch q.Status {
	case todo.StatusPending:
		and("NOT t.completed")
	case todo.StatusCompleted:
		and("t.completed")
	}
	if q.Priority != nil {
		and("t.priority = %s", arg(*q.Priority))
	}
	if q.DueAfter != nil {
		and("t.due_date >= %s", arg(*q.DueAfter))
	}
	if q.DueBefore != nil {
		and("t.due_date < %s", arg(*q.DueBefore))
	}
	if len(q.Tags) > 0 {
		// Resolve names first: the planner estimates a literal id array far better than a
		// subquery, and a name the user does not have means nothing can match.
		ids, err := s.tagIDs(ctx, userID, q.Tags)
		if err != nil {
			return page, err
		}
		if len(ids) < len(q.Tags) {
			return page, nil
		}
		and("t.tag_ids @> %s::bigint[]", arg(ids))
	}
	if ts := SearchQuery(q.Search); ts != "" {
		and("t.search @@ to_tsquery('simple', %s)", arg(ts))
	}

	key, typ := sortKey(q.Sort)
	dir, cmp := "ASC", ">"
	if q.Desc {
		dir, cmp = "DESC", "<"
	}
	if cur != nil {
		id := arg(cur.ID)
		switch {
		case cur.Key == nil: // only due_date has nulls; they come last and sort by id
			and("%s IS NULL AND t.id %s %s", key, cmp, id)
		case q.Sort == todo.SortDueDate:
			and("(%s IS NULL OR (%s, t.id) %s (%s::%s, %s))", key, key, cmp, arg(*cur.Key), typ, id)
		default:
			and("(%s, t.id) %s (%s::%s, %s)", key, cmp, arg(*cur.Key), typ, id)
		}
	}
	// Only due_date can be null. Writing NULLS LAST on the other (NOT NULL) keys would stop
	// Postgres from reading their indexes backwards for a descending sort: it would sort the
	// user's whole list instead of reading one page.
	nulls := ""
	if q.Sort == todo.SortDueDate {
		nulls = " NULLS LAST"
	}
	sql := fmt.Sprintf(`SELECT %s, %s::text FROM tasks t WHERE %s ORDER BY %s %s%s, t.id %s LIMIT %d`,
		taskColumns, key, where.String(), key, dir, nulls, dir, q.Limit+1)
	// Planned with this request's values every time (an unnamed statement): a cached
	// generic plan is made from the first calls and reused for every user, e.g. a plan for
	// a user with 100,000 tasks run for one with 1,000, and it cannot see that "report:*"
	// matches half of a list but "invoice:*" almost nothing.
	rows, err := s.pool.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return page, fmt.Errorf("listing tasks: %w", err)
	}
	var keys []*string
	var ids []int64
	for rows.Next() {
		var r taskRow
		var rec *string
		var k *string
		if err := rows.Scan(&r.ID, &r.UserID, &r.Title, &r.Description, &r.Completed, &r.CompletedAt, &r.DueDate,
			&r.Priority, &rec, &r.RecurrenceEndDate, &r.anchor, &r.SpawnedFrom, &r.CreatedAt, &r.UpdatedAt, &k); err != nil {
			rows.Close()
			return page, fmt.Errorf("listing tasks: %w", err)
		}
		r.scanned(rec)
		page.Tasks = append(page.Tasks, r.Task)
		keys = append(keys, k)
		ids = append(ids, r.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("listing tasks: %w", err)
	}
	if len(page.Tasks) > q.Limit {
		page.Tasks, ids = page.Tasks[:q.Limit], ids[:q.Limit]
		last := page.Tasks[q.Limit-1]
		k := keys[q.Limit-1]
		if k != nil && typ == "timestamptz" {
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
	now := s.now()
	for i := range page.Tasks {
		page.Tasks[i].Tags = tags[page.Tasks[i].ID]
		page.Tasks[i].ComputeOverdue(now)
	}
	page.Count = len(page.Tasks)
	return page, nil
}
