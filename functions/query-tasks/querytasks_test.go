package querytasks_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	querytasks "github.com/taskline/taskline/functions/query-tasks"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fixture struct {
	api *apitest.API
	ids map[string]int64 // by short name
	now time.Time
}

// newFixture gives Ann six tasks and Bob one, each chosen to fall in or out of a filter.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{api: apitest.New(t, querytasks.Routes), ids: map[string]int64{}, now: time.Now().UTC().Truncate(time.Second)}
	ctx := context.Background()
	day := 24 * time.Hour
	tasks := []struct {
		user, key, title, desc string
		pri                    todo.Priority
		due                    time.Duration // 0: no due date
		tags                   []string
		done                   bool
	}{
		{"ann", "report", "Quarterly report", "numbers for finance", todo.High, 2 * day, []string{"work", "q4"}, false},
		{"ann", "card", "Report card review", "", todo.Low, day, []string{"school"}, false},
		{"ann", "groceries", "Buy groceries", "", todo.Medium, 0, []string{"home"}, false},
		{"ann", "bike", "Repair bike", "", todo.Medium, -day, []string{"home"}, false},
		{"ann", "retro", "Write retro", "", todo.High, 5 * day, []string{"work"}, true},
		{"ann", "holiday", "Plan holiday", "reporting trip", todo.High, 3 * day, []string{"work", "home"}, false},
		{"bob", "bob", "Report for Bob", "", todo.High, day, []string{"work"}, false},
	}
	for _, tk := range tasks {
		f.api.Store.EnsureUser(ctx, todo.User{ID: tk.user})
		c := todo.TaskChanges{Title: &tk.title, Description: &tk.desc, Priority: &tk.pri, TagsSet: true, TagNames: tk.tags}
		if tk.due != 0 {
			c.DueDate = todo.Some(f.now.Add(tk.due))
		}
		created, err := f.api.Store.CreateTask(ctx, tk.user, c)
		if err != nil {
			t.Fatal(err)
		}
		if tk.done {
			if _, err := f.api.Store.CompleteTask(ctx, tk.user, created.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		f.ids[tk.key] = created.ID
	}
	return f
}

func (f *fixture) list(t *testing.T, user, query string) todo.TaskPage {
	t.Helper()
	var page todo.TaskPage
	f.api.Do(user, "GET", "/api/"+user+"/tasks?"+query, nil).Expect(t, 200).Decode(t, &page)
	return page
}

func (f *fixture) keys(p todo.TaskPage) []string {
	var out []string
	for _, tk := range p.Tasks {
		for k, id := range f.ids {
			if id == tk.ID {
				out = append(out, k)
			}
		}
	}
	return out
}

func TestFiltersSortAndSearch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	day := 24 * time.Hour
	tests := []struct {
		query string
		want  []string
	}{
		{"search=rep&sort=title", []string{"holiday", "report", "bike", "card"}},
		{"search=REPORT&sort=title", []string{"holiday", "report", "card"}},
		{"search=rep%20fin", []string{"report"}},
		{"search=%27%3A*%26!(", []string{"holiday", "retro", "bike", "groceries", "card", "report"}},
		{"status=pending&priority=high&tags=work&search=rep&sort=due_date", []string{"report", "holiday"}},
		{"tags=work,HOME", []string{"holiday"}},
		{"tags=work,nosuchtag", nil},
		{"status=completed", []string{"retro"}},
		{"status=pending&sort=due_date", []string{"bike", "card", "report", "holiday", "groceries"}},
		{"sort=due_date&order=asc", []string{"bike", "card", "report", "holiday", "retro", "groceries"}},
		{"sort=due_date&order=desc", []string{"retro", "holiday", "report", "card", "bike", "groceries"}},
		{"sort=priority", []string{"holiday", "retro", "report", "bike", "groceries", "card"}},
		{"sort=priority&order=asc", []string{"card", "groceries", "bike", "report", "retro", "holiday"}},
		{"sort=title", []string{"groceries", "holiday", "report", "bike", "card", "retro"}},
		{"sort=created_at&order=asc", []string{"report", "card", "groceries", "bike", "retro", "holiday"}},
		{"", []string{"holiday", "retro", "bike", "groceries", "card", "report"}},
		{"due_after=" + url.QueryEscape(f.now.Format(time.RFC3339)) + "&due_before=" + url.QueryEscape(f.now.Add(3*day).Format(time.RFC3339)) + "&sort=due_date",
			[]string{"card", "report"}},
		{"priority=medium&tags=home&sort=due_date&order=desc", []string{"bike", "groceries"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			page := f.list(t, "ann", tt.query)
			if got := f.keys(page); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if page.Count != len(tt.want) || page.NextCursor != nil {
				t.Errorf("count %d next %v", page.Count, page.NextCursor)
			}
		})
	}
}

func TestTaskFieldsAndOverdue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	page := f.list(t, "ann", "sort=due_date&limit=1")
	bike := page.Tasks[0]
	if bike.ID != f.ids["bike"] || !bike.Overdue || len(bike.Tags) != 1 || bike.Tags[0].Name != "home" {
		t.Fatalf("first by due date: %+v", bike)
	}
	var got todo.Task
	f.api.Do("ann", "GET", fmt.Sprintf("/api/ann/tasks/%d", f.ids["retro"]), nil).Expect(t, 200).Decode(t, &got)
	if !got.Completed || got.Overdue || got.CompletedAt == nil {
		t.Fatalf("completed task: %+v", got)
	}
}

func TestCursorPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, q := range []string{"sort=due_date", "sort=due_date&order=desc", "sort=priority", "sort=title", "sort=created_at", "status=pending&sort=due_date&search=r"} {
		t.Run(q, func(t *testing.T) {
			want := f.keys(f.list(t, "ann", q))
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("pagination does not end")
				}
				page := f.list(t, "ann", q+"&limit=2"+cursor)
				got = append(got, f.keys(page)...)
				if page.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(*page.NextCursor)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pages give %v, one list gives %v", got, want)
			}
		})
	}
	page := f.list(t, "ann", "sort=title&limit=2")
	f.api.Do("ann", "GET", "/api/ann/tasks?sort=due_date&cursor="+url.QueryEscape(*page.NextCursor), nil).ExpectError(t, 400, "cursor")
	f.api.Do("ann", "GET", "/api/ann/tasks?cursor=garbage", nil).ExpectError(t, 400, "cursor")
}

func TestQueryValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for q, field := range map[string]string{
		"status=open": "status", "priority=urgent": "priority", "sort=size": "sort", "order=sideways": "order",
		"limit=1000": "limit", "limit=-1": "limit", "due_before=yesterday": "due_before", "tags=a%20b": "tags",
	} {
		f.api.Do("ann", "GET", "/api/ann/tasks?"+q, nil).ExpectError(t, 400, field)
	}
	f.api.Do("ann", "GET", "/api/ann/reminders?status=later", nil).ExpectError(t, 400, "status")
}

func TestIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if got := f.keys(f.list(t, "bob", "search=report")); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("Bob's search finds %v", got)
	}
	if got := f.keys(f.list(t, "bob", "tags=q4")); len(got) != 0 {
		t.Fatalf("Bob filters by Ann's tag and finds %v", got)
	}
	// Ann's task answers Bob exactly like a task that never existed.
	missing := f.api.Do("bob", "GET", "/api/bob/tasks/999999", nil)
	other := f.api.Do("bob", "GET", fmt.Sprintf("/api/bob/tasks/%d", f.ids["report"]), nil)
	other.ExpectError(t, 404, "id")
	if missing.Status != other.Status || missing.Error(t).Code != other.Error(t).Code {
		t.Fatalf("another user's task answers %d %s, a missing one %d %s", other.Status, other.Body, missing.Status, missing.Body)
	}
	f.api.Do("bob", "GET", "/api/ann/tasks", nil).ExpectError(t, 403, "user_id")
	f.api.Do("", "GET", "/api/ann/tasks", nil).ExpectError(t, 401, "authorization")
}

func TestListReminders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	later, err := f.api.Store.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: f.ids["holiday"], BeforeDue: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	sooner, err := f.api.Store.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: f.ids["card"], BeforeDue: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.api.Store.CompleteTask(ctx, "ann", f.ids["holiday"], false) // cancels "later"
	if _, err := f.api.Store.CreateReminder(ctx, "bob", todo.ReminderSpec{TaskID: f.ids["bob"], BeforeDue: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var l struct {
		Reminders []todo.Reminder `json:"reminders"`
		Count     int             `json:"count"`
	}
	f.api.Do("ann", "GET", "/api/ann/reminders", nil).Expect(t, 200).Decode(t, &l)
	if l.Count != 1 || l.Reminders[0].ID != sooner.ID || l.Reminders[0].TaskTitle != "Report card review" {
		t.Fatalf("pending reminders %+v", l)
	}
	f.api.Do("ann", "GET", "/api/ann/reminders?status=all", nil).Expect(t, 200).Decode(t, &l)
	if l.Count != 2 || l.Reminders[0].ID != sooner.ID || l.Reminders[1].ID != later.ID || l.Reminders[1].Status != todo.ReminderCancelled {
		t.Fatalf("all reminders %+v", l)
	}
}

func TestTagFilterFollowsTagChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tags, _ := f.api.Store.ListTags(ctx, "ann", "work")
	if _, err := f.api.Store.RemoveTaskTags(ctx, "ann", f.ids["report"], []int64{tags[0].ID}); err != nil {
		t.Fatal(err)
	}
	if got := f.keys(f.list(t, "ann", "tags=work&sort=title")); !slices.Equal(got, []string{"holiday", "retro"}) {
		t.Fatalf("after untagging the report, tags=work gives %v", got)
	}
	if _, err := f.api.Store.AddTaskTags(ctx, "ann", f.ids["bike"], []int64{tags[0].ID}); err != nil {
		t.Fatal(err)
	}
	if got := f.keys(f.list(t, "ann", "tags=work,home&sort=title")); !slices.Equal(got, []string{"holiday", "bike"}) {
		t.Fatalf("after tagging the bike, tags=work,home gives %v", got)
	}
	if err := f.api.Store.DeleteTag(ctx, "ann", tags[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.api.Store.CreateTag(ctx, "ann", todo.TagInput{Name: "work"}); err != nil {
		t.Fatal(err)
	}
	if got := f.keys(f.list(t, "ann", "tags=work")); len(got) != 0 {
		t.Fatalf("a new tag named like a deleted one matches %v", got)
	}
}

// The seed's web client filters with is_completed and sort_by, repeats tags keys and sends
// due bounds from datetime-local inputs, without a zone.
func TestSeedClientQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.api.Store.UpdateProfile(ctx, "ann", todo.ProfileChanges{TimeZone: ptr("Asia/Tokyo")}); err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	wall := func(d time.Duration, layout string) string {
		return url.QueryEscape(f.now.Add(d).In(tokyo).Format(layout))
	}
	secs, mins := "2006-01-02T15:04:05", "2006-01-02T15:04"
	day := 24 * time.Hour
	tests := []struct {
		query string
		want  []string
	}{
		{"is_completed=true", []string{"retro"}},
		{"is_completed=false&sort_by=due_date", []string{"bike", "card", "report", "holiday", "groceries"}},
		{"tags=work&tags=home", []string{"holiday"}},
		{"tags=work&tags=q4", []string{"report"}},
		{"tags=work&tags=home,q4", nil},
		{"sort_by=title&sort=title", []string{"groceries", "holiday", "report", "bike", "card", "retro"}},
		{"due_after=" + wall(0, secs) + "&due_before=" + wall(3*day, secs) + "&sort=due_date", []string{"card", "report"}},
		{"due_after=" + wall(0, mins) + "&due_before=" + wall(3*day, mins) + "&sort=due_date", []string{"card", "report"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := f.keys(f.list(t, "ann", tt.query)); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	for q, field := range map[string]string{
		"status=pending&status=completed":  "status",
		"sort=title&sort_by=priority":      "sort_by",
		"is_completed=true&status=pending": "is_completed",
	} {
		f.api.Do("ann", "GET", "/api/ann/tasks?"+q, nil).ExpectError(t, 400, field)
	}
}

// A page that stops short says so: has_more, next_cursor and a Link to the next page.
func TestPageSaysThereIsMore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.api.Do("ann", "GET", "/api/ann/tasks?sort=title&limit=4", nil).Expect(t, 200)
	var page todo.TaskPage
	res.Decode(t, &page)
	link := res.Header.Get("Link")
	if !page.HasMore || page.NextCursor == nil || !strings.HasSuffix(link, `>; rel="next"`) {
		t.Fatalf("first page: has_more %v next %v Link %q", page.HasMore, page.NextCursor, link)
	}
	next := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	res = f.api.Do("ann", "GET", next, nil).Expect(t, 200)
	var rest todo.TaskPage
	res.Decode(t, &rest)
	if got := f.keys(rest); !slices.Equal(got, []string{"card", "retro"}) || rest.HasMore || res.Header.Get("Link") != "" {
		t.Fatalf("second page %v has_more %v Link %q", got, rest.HasMore, res.Header.Get("Link"))
	}
	// Without limit a page holds up to 200 tasks.
	if p := f.list(t, "ann", ""); p.Count != 6 || p.HasMore {
		t.Errorf("default page: %d tasks, has_more %v", p.Count, p.HasMore)
	}
}

func ptr[T any](v T) *T { return &v }
