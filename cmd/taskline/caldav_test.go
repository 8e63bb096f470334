package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

// Debian's interpreter: python3-caldav is installed for it (.ci/run), not for another
// python3 earlier on PATH.
const debianPython = "/usr/bin/python3"

// token creates a personal access token for the local user.
func (l *local) token(t *testing.T) string {
	t.Helper()
	var k struct {
		Token string `json:"token"`
	}
	l.api.Do(l.user, "POST", l.path("/tokens"), map[string]any{"name": "sync"}).Expect(t, 201).Decode(t, &k)
	return k.Token
}

type pyTodo struct {
	UID, Summary, Status, X string
	Priority                int
	Due                     *string
}

// TestPythonCalDAVClient: Debian's python3-caldav discovers the list, creates a daily task
// (seen in the API with its fields), completes it (the pipeline spawns the next instance,
// which the client then sees), and gets back the property Taskline does not model.
func TestPythonCalDAVClient(t *testing.T) {
	t.Parallel()
	if err := exec.Command(debianPython, "-c", "import caldav").Run(); err != nil {
		t.Skip("python3-caldav is not installed (apt-get install python3-caldav; .ci/run installs it)")
	}
	l := startLocal(t, "Europe/Berlin")
	secret := l.token(t)
	due := time.Now().In(l.loc).Add(2 * time.Hour).Truncate(time.Minute)
	run := func(step string) (out struct {
		Calendars []string `json:"calendars"`
		Completed string   `json:"completed"`
		Todos     []pyTodo `json:"todos"`
	}) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, debianPython, "testdata/caldav_client.py", l.api.URL+"/dav/", "anyone", secret, step,
			due.UTC().Format("20060102T150405Z"))
		b, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("python3-caldav %s: %v\n%s%s", step, err, b, stderr)
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("python3-caldav %s printed %s", step, b)
		}
		return out
	}
	out := run("create")
	if len(out.Calendars) != 1 || out.Calendars[0] != "Taskline" || len(out.Todos) != 1 || out.Todos[0].X != "kept" || out.Todos[0].Priority != 2 {
		t.Fatalf("after create: %+v", out)
	}
	tasks := l.tasks(t)
	if len(tasks) != 1 || tasks[0].Title != "Stretch" || tasks[0].Priority != todo.High || !tasks[0].DueDate.Equal(due) ||
		tasks[0].RecurrencePattern == nil || *tasks[0].RecurrencePattern != todo.Daily || len(tasks[0].Tags) != 1 || tasks[0].Tags[0].Name != "health" {
		t.Fatalf("in the API: %+v", tasks)
	}
	if out = run("complete"); out.Completed != "Stretch" {
		t.Fatalf("complete: %+v", out)
	}
	waitFor(t, 10*time.Second, "next instance", func() bool { return len(l.tasks(t)) == 2 })
	out = run("list")
	var open, done int
	for _, td := range out.Todos {
		switch {
		case td.Summary == "Stretch" && td.Status == "COMPLETED":
			done++
		case td.Summary == "Stretch" && td.Status == "NEEDS-ACTION" && td.Due != nil && strings.HasPrefix(*td.Due, due.AddDate(0, 0, 1).Format("2006-01-02T15:04")):
			open++
		}
	}
	if open != 1 || done != 1 {
		t.Fatalf("the client sees %+v; want the completed task and the next one due %v", out.Todos, due.AddDate(0, 0, 1))
	}
}

// TestTodomanRoundTrip: Debian's todoman and vdirsyncer. A task made with todoman syncs to
// the API; a recurring task completed in the API syncs back as completed, with its next
// instance.
func TestTodomanRoundTrip(t *testing.T) {
	t.Parallel()
	for _, bin := range []string{"vdirsyncer", "todoman"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed (apt-get install vdirsyncer todoman; .ci/run installs them)", bin)
		}
	}
	l := startLocal(t, "America/New_York")
	secret := l.token(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "vdirsyncer.conf")
	write := func(path, s string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(cfg, `[general]
status_path = "`+dir+`/status/"

[pair taskline]
a = "local"
b = "remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "`+dir+`/cal/"
fileext = ".ics"

[storage remote]
type = "caldav"
url = "`+l.api.URL+`/dav/"
username = "`+l.user+`"
password = "`+secret+`"
`)
	write(filepath.Join(dir, "config", "todoman", "config.py"), `path = "`+dir+`/cal/*"
date_format = "%Y-%m-%d"
time_format = "%H:%M"
default_list = "tasks"
`)
	env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "TZ=America/New_York", "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	run := func(stdin string, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, b)
		}
		return string(b)
	}
	sync := func() {
		run("y\ny\n", "vdirsyncer", "-c", cfg, "discover")
		run("", "vdirsyncer", "-c", cfg, "sync")
	}
	sync()
	due := time.Now().In(l.loc).AddDate(0, 0, 3).Truncate(24 * time.Hour)
	due = time.Date(due.Year(), due.Month(), due.Day(), 18, 30, 0, 0, l.loc)
	run("", "todoman", "new", "-l", "tasks", "--due", due.Format("2006-01-02 15:04"), "--priority", "high", "Buy a new kettle")
	sync()
	var kettle *todo.Task
	for _, x := range l.tasks(t) {
		if x.Title == "Buy a new kettle" {
			kettle = &x
		}
	}
	if kettle == nil || kettle.DueDate == nil || !kettle.DueDate.Equal(due) || kettle.Priority != todo.High {
		t.Fatalf("todoman's task in the API: %+v", kettle)
	}

	// A weekly task made and completed in the API; the pipeline spawns the next one.
	var weekly todo.Task
	l.api.Do(l.user, "POST", l.path("/tasks"), map[string]any{"title": "Take out the bins", "due_date": due.Format(time.RFC3339),
		"recurrence_pattern": "weekly"}).Expect(t, 201).Decode(t, &weekly)
	l.api.Do(l.user, "POST", l.path("/tasks/%d/complete", weekly.ID), nil).Expect(t, 200)
	waitFor(t, 10*time.Second, "next instance", func() bool {
		n := 0
		for _, x := range l.tasks(t) {
			if x.Title == "Take out the bins" {
				n++
			}
		}
		return n == 2
	})
	sync()
	list := run("", "todoman", "--porcelain", "list", "--status", "ANY")
	var items []struct {
		Summary   string `json:"summary"`
		Completed bool   `json:"completed"`
		Due       *int64 `json:"due"`
	}
	if err := json.Unmarshal([]byte(list), &items); err != nil {
		t.Fatalf("todoman --porcelain list: %v\n%s", err, list)
	}
	var open, done, kettles int
	for _, it := range items {
		switch {
		case it.Summary == "Take out the bins" && it.Completed:
			done++
		case it.Summary == "Take out the bins" && it.Due != nil && time.Unix(*it.Due, 0).Equal(due.AddDate(0, 0, 7)):
			open++
		case it.Summary == "Buy a new kettle":
			kettles++
		}
	}
	if done != 1 || open != 1 || kettles != 1 {
		t.Fatalf("todoman lists %s; want the completed bins, the next bins a week later, the kettle", list)
	}
}
