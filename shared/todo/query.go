package todo

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Page sizes for lists. A request without limit gets the largest page: a client that does
// not page (the seed's web client) then shows up to 200 tasks rather than stopping at 50
// without knowing; has_more, next_cursor and a Link header say when there is more.
const (
	DefaultLimit = 200
	MaxLimit     = 200
)

// Status filters tasks by completion.
type Status string

// The status filters.
const (
	StatusAll       Status = "all"
	StatusPending   Status = "pending"
	StatusCompleted Status = "completed"
)

// Sort is the key a task list is ordered by; ties break by id.
type Sort string

// The sort keys.
const (
	SortDueDate   Sort = "due_date"
	SortPriority  Sort = "priority"
	SortCreatedAt Sort = "created_at"
	SortTitle     Sort = "title"
)

// TaskQuery is a validated list request.
type TaskQuery struct {
	Status    Status
	Priority  *Priority
	DueBefore *time.Time
	DueAfter  *time.Time
	// DueBeforeLocal and DueAfterLocal are bounds sent without a zone; In resolves them.
	DueBeforeLocal *LocalTime
	DueAfterLocal  *LocalTime
	Tags           []string // names; a task must carry every one
	Search         string
	Sort           Sort
	Desc           bool
	Limit          int
	Cursor         string // opaque, from the previous page's next_cursor
}

// Zoned reports whether a bound was sent without a zone, so the user's zone is needed.
func (q TaskQuery) Zoned() bool { return q.DueBeforeLocal != nil || q.DueAfterLocal != nil }

// In resolves bounds sent without a zone in loc, the user's zone.
func (q TaskQuery) In(loc *time.Location) TaskQuery {
	for _, b := range []struct {
		local **LocalTime
		at    **time.Time
	}{{&q.DueBeforeLocal, &q.DueBefore}, {&q.DueAfterLocal, &q.DueAfter}} {
		if *b.local != nil {
			t := (*b.local).In(loc)
			*b.at, *b.local = &t, nil
		}
	}
	return q
}

// query reads the parameters of a list request. A key that takes one value may be repeated
// only with the same value (a client that adds a parameter twice by mistake is told, not
// half-obeyed); aliases are read like their key, and must agree with it when both are sent.
type query url.Values

// one returns the value of key or its alias ("" when neither is given) and the name it
// was given under, for error messages.
func (v query) one(key, alias string) (string, string, error) {
	val, name, found := "", key, false
	for _, k := range []string{key, alias} {
		if k == "" {
			continue
		}
		for _, x := range v[k] {
			x = strings.TrimSpace(x)
			switch {
			case !found:
				val, name, found = x, k, true
			case x == val:
			case k == name:
				return "", k, Errorf(Invalid, k, "%s is given more than once with different values (%q and %q); give it once", k, val, x)
			default:
				return "", k, Errorf(Invalid, k, "%s=%q and %s=%q disagree; give one of them", name, val, k, x)
			}
		}
	}
	return val, name, nil
}

// list returns every value of key, each split at commas: tags=a,b&tags=c is a, b, c.
func (v query) list(key string) []string {
	var out []string
	for _, x := range v[key] {
		for _, n := range strings.Split(x, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// ParseTaskQuery reads GET /tasks query parameters. Errors name the parameter. Besides the
// API's own names it reads is_completed=true|false (status completed|pending) and sort_by
// (sort), as the seed's clients send them, and repeated tags keys.
func ParseTaskQuery(values url.Values) (TaskQuery, error) {
	v := query(values)
	q := TaskQuery{Status: StatusAll, Sort: SortCreatedAt, Desc: true, Limit: DefaultLimit}
	s, _, err := v.one("status", "")
	if err != nil {
		return q, err
	}
	if s != "" {
		switch Status(strings.ToLower(s)) {
		case StatusAll, StatusPending, StatusCompleted:
			q.Status = Status(strings.ToLower(s))
		default:
			return q, Errorf(Invalid, "status", "status must be all, pending or completed, not %q", s)
		}
	}
	done, _, err := v.one("is_completed", "")
	if err != nil {
		return q, err
	}
	if done != "" {
		b, err := strconv.ParseBool(done)
		if err != nil {
			return q, Errorf(Invalid, "is_completed", "is_completed must be true or false, not %q", done)
		}
		want := StatusPending
		if b {
			want = StatusCompleted
		}
		if s != "" && q.Status != want {
			return q, Errorf(Invalid, "is_completed", "is_completed=%s contradicts status=%s; give one of them", done, s)
		}
		q.Status = want
	}
	if s, _, err = v.one("priority", ""); err != nil {
		return q, err
	}
	if s != "" {
		p, ok := ParsePriority(s)
		if !ok {
			return q, Errorf(Invalid, "priority", "priority must be low, medium or high, not %q", s)
		}
		q.Priority = &p
	}
	for _, f := range []struct {
		name  string
		at    **time.Time
		local **LocalTime
	}{{"due_before", &q.DueBefore, &q.DueBeforeLocal}, {"due_after", &q.DueAfter, &q.DueAfterLocal}} {
		s, _, err := v.one(f.name, "")
		if err != nil {
			return q, err
		}
		if s == "" {
			continue
		}
		w, err := ParseWhen(s)
		if err != nil {
			return q, Errorf(Invalid, f.name, "%s must be %s", f.name, timeForms)
		}
		if w.Local != nil {
			*f.local = w.Local
		} else {
			*f.at = &w.At
		}
	}
	seen := map[string]bool{}
	for _, n := range v.list("tags") {
		n = NormalizeTagName(n)
		if err := ValidateTagName(n, "tags"); err != nil {
			return q, err
		}
		if !seen[TagKey(n)] {
			seen[TagKey(n)] = true
			q.Tags = append(q.Tags, n)
		}
	}
	if q.Search, _, err = v.one("search", ""); err != nil {
		return q, err
	}
	if utf8.RuneCountInString(q.Search) > 200 {
		return q, Errorf(Invalid, "search", "search is limited to 200 characters")
	}
	s, name, err := v.one("sort", "sort_by")
	if err != nil {
		return q, err
	}
	if s != "" {
		switch Sort(strings.ToLower(s)) {
		case SortDueDate, SortPriority, SortCreatedAt, SortTitle:
			q.Sort = Sort(strings.ToLower(s))
		default:
			return q, Errorf(Invalid, name, "%s must be due_date, priority, created_at or title, not %q", name, s)
		}
		// Natural directions: soonest due first, highest priority first, A to Z, newest first.
		q.Desc = q.Sort == SortPriority || q.Sort == SortCreatedAt
	}
	if s, _, err = v.one("order", ""); err != nil {
		return q, err
	}
	if s != "" {
		switch strings.ToLower(s) {
		case "asc":
			q.Desc = false
		case "desc":
			q.Desc = true
		default:
			return q, Errorf(Invalid, "order", "order must be asc or desc, not %q", s)
		}
	}
	if s, _, err = v.one("limit", ""); err != nil {
		return q, err
	}
	if s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, Errorf(Invalid, "limit", "limit must be a whole number from 1 to %d", MaxLimit)
		}
		q.Limit = n
	}
	q.Cursor, _, err = v.one("cursor", "")
	return q, err
}

// TaskPage is one page of a task list.
type TaskPage struct {
	Tasks []Task `json:"tasks"`
	// Count is the number of tasks on this page.
	Count int `json:"count"`
	// HasMore says whether more tasks match than this page holds: fetch them with
	// next_cursor.
	HasMore    bool    `json:"has_more"`
	NextCursor *string `json:"next_cursor"`
}

// ReminderFilter is GET /reminders' status parameter: pending (default), sent or all.
func ParseReminderFilter(v url.Values) (string, error) {
	s := strings.ToLower(v.Get("status"))
	switch s {
	case "":
		return "pending", nil
	case "pending", "sent", "all", "failed", "cancelled":
		return s, nil
	}
	return "", Errorf(Invalid, "status", "status must be pending, sent or all, not %q", v.Get("status"))
}

// User is the owner of tasks, known from the bearer token's claims.
type User struct {
	ID       string
	Email    string
	TimeZone string // IANA name; "" means keep what is stored (default UTC)
}
