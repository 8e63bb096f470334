package createtask_test

import (
	"testing"

	createtask "github.com/taskline/taskline/functions/create-task"
	"github.com/taskline/taskline/shared/runtime/apitest"
)

// FuzzCreateTask posts arbitrary bodies and query strings to POST /tasks: nothing a
// client sends may produce a 5xx. Seeds are the table tests' shapes and issue 12's
// findings; `make chaos` runs it time-boxed.
func FuzzCreateTask(f *testing.F) {
	for _, s := range []struct{ query, body string }{
		{"", `{"title":"Buy milk","priority":"high","due_date":"2026-12-03T09:00","tags":["home"]}`},
		{"", `{"title":"a\u0000b"}`},
		{"", `{"title":"d","due_date":"9999-12-31T00:00:00Z","recurrence_pattern":"daily"}`},
		{"", `{"title":"r","due_date":"2027-01-01T09:00:00Z","recurrence_pattern":"weekly","recurrence_end_date":"2027-01-31"}`},
		{"parse=true", `{"text":"call mom every monday 9am !high #family"}`},
		{"x=%zz", `{"title":"q"}`},
		{"", `{"title":"t","tag_ids":[1,2,3],"tags":["é","日本"]}`},
	} {
		f.Add(s.query, s.body)
	}
	api := apitest.New(f, createtask.Routes)
	f.Fuzz(func(t *testing.T, query, body string) {
		path := "/api/fuzz/tasks"
		if query != "" {
			path += "?" + query
		}
		if len(path) > 4000 {
			return
		}
		res := api.TryDo("fuzz", "POST", path, body)
		if res.Status >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, res.Status, res.Body)
		}
	})
}
