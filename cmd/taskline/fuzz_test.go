package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzAPI sends arbitrary methods, paths, query strings and bodies to the whole HTTP
// surface as an authenticated user: nothing a client sends may produce a 5xx. Seeds come
// from the table tests' shapes and issue 12's findings; `make chaos` runs it time-boxed.
func FuzzAPI(f *testing.F) {
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/tasks", `{"title":"Buy milk","priority":"high","due_date":"2026-12-03T09:00","tags":["home"]}`},
		{"POST", "/tasks", `{"title":"a\u0000b"}`},
		{"POST", "/tasks", `{"title":"d","due_date":"9999-12-31T00:00:00Z","recurrence_pattern":"daily"}`},
		{"POST", "/tasks", `{"title":"r","recurrence_pattern":"weekly","recurrence_end_date":"2027-01-31"}`},
		{"GET", "/tasks?status=pending&sort=due_date&order=desc&tags=a,b&search=milk", ""},
		{"GET", "/tasks?status=%zz", ""},
		{"GET", "/tags?prefix=%00", ""},
		{"POST", "/reminders", `{"task_id":1,"before_due":"142880868177984d"}`},
		{"PATCH", "/tasks/1", `{"completed":true,"due_date":null}`},
		{"POST", "/tasks/1/tags", `{"tag_ids":[1,2,3]}`},
		{"PATCH", "/profile", `{"tz":"Europe/Berlin","email":"a@b.c"}`},
		{"POST", "/chat", `{"message":"add buy milk tomorrow at 9 #home"}`},
		{"POST", "/tasks?parse=true", `{"text":"call mom every monday 9am !high"}`},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	s := serveAll(f)
	tok := s.token(f, "fuzz", "")
	f.Fuzz(func(t *testing.T, method, path, body string) {
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			method = "POST"
		}
		req, err := http.NewRequest(method, s.url+"/api/fuzz"+path, strings.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, res.StatusCode, b)
		}
	})
}
