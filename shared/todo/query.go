package todo

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Page sizes for lists.
const (
	DefaultLimit = 50
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
	Tags      []string // names; a task must carry every one
	Search    string
	Sort      Sort
	Desc      bool
	Limit     int
	Cursor    string // opaque, from the previous page's next_cursor
}

// ParseTaskQuery reads GET /tasks query parameters. Errors name the parameter.
func ParseTaskQuery(v url.Values) (TaskQuery, error) {
	q := TaskQuery{Status: StatusAll, Sort: SortCreatedAt, Desc: true, Limit: DefaultLimit}
	if s := v.Get("status"); s != "" {
		switch Status(strings.ToLower(s)) {
		case StatusAll, StatusPending, StatusCompleted:
			q.Status = Status(strings.ToLower(s))
		default:
			return q, Errorf(Invalid, "status", "status must be all, pending or completed, not %q", s)
		}
	}
	if s := v.Get("priority"); s != "" {
		p, ok := ParsePriority(s)
		if !ok {
			return q, Errorf(Invalid, "priority", "priority must be low, medium or high, not %q", s)
		}
		q.Priority = &p
	}
	for _, f := range []struct {
		name string
		dst  **time.Time
	}{{"due_before", &q.DueBefore}, {"due_after", &q.DueAfter}} {
		if s := v.Get(f.name); s != "" {
			t, err := ParseTime(s)
			if err != nil {
				return q, Errorf(Invalid, f.name, "%s must be an RFC 3339 time such as 2026-12-01T00:00:00Z", f.name)
			}
			*f.dst = &t
		}
	}
	if s := v.Get("tags"); s != "" {
		seen := map[string]bool{}
		for _, n := range strings.Split(s, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if err := ValidateTagName(n, "tags"); err != nil {
				return q, err
			}
			if !seen[strings.ToLower(n)] {
				seen[strings.ToLower(n)] = true
				q.Tags = append(q.Tags, n)
			}
		}
	}
	q.Search = strings.TrimSpace(v.Get("search"))
	if len(q.Search) > 200 {
		return q, Errorf(Invalid, "search", "search is limited to 200 characters")
	}
	if s := v.Get("sort"); s != "" {
		switch Sort(strings.ToLower(s)) {
		case SortDueDate, SortPriority, SortCreatedAt, SortTitle:
			q.Sort = Sort(strings.ToLower(s))
		default:
			return q, Errorf(Invalid, "sort", "sort must be due_date, priority, created_at or title, not %q", s)
		}
		// Natural directions: soonest due first, highest priority first, A to Z, newest first.
		q.Desc = q.Sort == SortPriority || q.Sort == SortCreatedAt
	}
	if s := v.Get("order"); s != "" {
		switch strings.ToLower(s) {
		case "asc":
			q.Desc = false
		case "desc":
			q.Desc = true
		default:
			return q, Errorf(Invalid, "order", "order must be asc or desc, not %q", s)
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, Errorf(Invalid, "limit", "limit must be a whole number from 1 to %d", MaxLimit)
		}
		q.Limit = n
	}
	q.Cursor = v.Get("cursor")
	return q, nil
}

// TaskPage is one page of a task list.
type TaskPage struct {
	Tasks      []Task  `json:"tasks"`
	Count      int     `json:"count"`
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
