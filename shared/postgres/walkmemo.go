package postgres

import (
	"sync"
	"time"
)

// walkMemo remembers, per user and filter, that walking the sort index found almost
// nothing: the next page of that list, or the same page reloaded, goes filter-first at
// once instead of reading 40 rows per row of the page for nothing first.
//
// A first page's walk that found under a quarter of a page read either its whole bound,
// so the filter keeps under 1 row in 160 of the user's tasks in scope, or the whole
// scope, under 2,040 tasks: either way filtering first sorts few rows, so going straight
// to it is cheap whatever the planner picks. The memory is per process and
// lasts walkMemoTTL, after which the walk is tried again (the user's tasks may have
// changed); it never changes a page, only which statement answers it.
type walkMemo struct {
	mu    sync.Mutex
	until map[string]time.Time
}

const (
	walkMemoTTL  = 5 * time.Minute
	walkMemoSize = 10_000
)

func newWalkMemo() *walkMemo { return &walkMemo{until: map[string]time.Time{}} }

// futile reports whether a walk of key found almost nothing less than walkMemoTTL ago.
func (m *walkMemo) futile(key string, now time.Time) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.until[key]
	if ok && !now.Before(u) {
		delete(m.until, key)
		return false
	}
	return ok
}

// remember records that a walk of key found almost nothing at now.
func (m *walkMemo) remember(key string, now time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.until) >= walkMemoSize {
		for k, u := range m.until {
			if !now.Before(u) {
				delete(m.until, k)
			}
		}
		if len(m.until) >= walkMemoSize {
			clear(m.until)
		}
	}
	m.until[key] = now.Add(walkMemoTTL)
}
