package caldav_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/taskline/taskline/shared/todo"
)

// The cost of a personal access token against a JWT on the same API request (the token
// is looked up on every request: that is what makes revocation immediate), and of a full
// CalDAV sync of 1,000 tasks against listing them with the JSON API.
func BenchmarkSync(b *testing.B) {
	e := newEnv(b, "ann")
	ctx := context.Background()
	for i := range 1000 {
		title, p := fmt.Sprintf("Task %d", i), todo.Medium
		if _, err := e.api.Store.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Priority: &p, TagsSet: true, TagNames: []string{"bench"}}); err != nil {
			b.Fatal(err)
		}
	}
	get := func(auth func(*http.Request), path string) {
		req, _ := http.NewRequest("GET", e.api.URL+path, nil)
		auth(req)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%s: %v %v", path, res.StatusCode, err)
		}
		res.Body.Close()
	}
	jwt := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e.api.Token("ann")) }
	pat := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e.secret) }
	b.Run("api-jwt", func(b *testing.B) {
		for b.Loop() {
			get(jwt, "/api/ann/tasks?limit=1")
		}
	})
	b.Run("api-pat", func(b *testing.B) {
		for b.Loop() {
			get(pat, "/api/ann/tasks?limit=1")
		}
	})
	b.Run("api-list-1000", func(b *testing.B) {
		for b.Loop() {
			for page, cursor := 0, ""; page == 0 || cursor != ""; page++ {
				var out struct {
					NextCursor *string `json:"next_cursor"`
				}
				path := "/api/ann/tasks?limit=200"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				e.api.Do("ann", "GET", path, nil).Decode(b, &out)
				cursor = ""
				if out.NextCursor != nil {
					cursor = *out.NextCursor
				}
			}
		}
	})
	b.Run("caldav-sync-1000", func(b *testing.B) {
		for b.Loop() {
			st, _, body := e.do("REPORT", e.list(), syncReport(""), map[string]string{"Content-Type": "application/xml"})
			if st != 207 || len(body) < 1000*100 {
				b.Fatalf("sync: %d, %d bytes", st, len(body))
			}
		}
	})
}
