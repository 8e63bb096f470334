package querytasks_test

import (
	"testing"

	querytasks "github.com/taskline/taskline/functions/query-tasks"
	"github.com/taskline/taskline/shared/runtime/apitest"
)

// FuzzListTasks sends arbitrary query strings to GET /tasks and GET /reminders: a filter
// that does not parse is a 400, never a 5xx and never silently ignored.
func FuzzListTasks(f *testing.F) {
	for _, q := range []string{"status=pending&priority=high&sort=due_date&order=desc", "tags=a,b&tags=c&search=milk",
		"due_before=2026-12-01T00:00:00Z&due_after=2026-11-01", "status=%zz", "search=a%00", "limit=0", "cursor=abc",
		"is_completed=true&sort_by=title", "search=" + "%E6%97%A5%E6%9C%AC"} {
		f.Add(q, false)
		f.Add(q, true)
	}
	api := apitest.New(f, querytasks.Routes)
	f.Fuzz(func(t *testing.T, query string, reminders bool) {
		path := "/api/fuzz/tasks?" + query
		if reminders {
			path = "/api/fuzz/reminders?" + query
		}
		if res := api.TryDo("fuzz", "GET", path, ""); res.Status >= 500 {
			t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
		}
	})
}
