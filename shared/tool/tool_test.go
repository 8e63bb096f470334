package tool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// strictKeywords are the JSON Schema keywords OpenAI's strict mode accepts in the
// definitions Taskline exports (a subset of what it documents; anything else is refused).
var strictKeywords = []string{"type", "description", "enum", "const", "properties", "required", "additionalProperties", "items", "anyOf"}

// strictProblems applies strict mode's rules to one schema node and those below it: every
// object closed, every property required, only supported keywords.
func strictProblems(path string, node map[string]any) []string {
	var out []string
	for k := range node {
		if !slices.Contains(strictKeywords, k) {
			out = append(out, fmt.Sprintf("%s: keyword %q is not accepted in strict mode", path, k))
		}
	}
	if props, ok := node["properties"].(map[string]any); ok {
		if node["additionalProperties"] != false {
			out = append(out, fmt.Sprintf("%s: object not closed (additionalProperties %v)", path, node["additionalProperties"]))
		}
		req, _ := node["required"].([]any)
		if len(req) != len(props) {
			out = append(out, fmt.Sprintf("%s: %d of %d properties required; strict mode requires all", path, len(req), len(props)))
		}
		for _, r := range req {
			if props[r.(string)] == nil {
				out = append(out, fmt.Sprintf("%s: requires %v, which is not a property", path, r))
			}
		}
		for name, p := range props {
			out = append(out, strictProblems(path+"."+name, p.(map[string]any))...)
		}
	}
	if items, ok := node["items"].(map[string]any); ok {
		out = append(out, strictProblems(path+"[]", items)...)
	}
	return out
}

func nullable(node map[string]any) bool {
	types, _ := node["type"].([]any)
	return slices.Contains(types, any("null"))
}

// TestStrictDefinitionsFollowStrictModeRules checks the export against strict mode's rules,
// and that the checker itself fails on today's non-strict form (else passing proves nothing).
func TestStrictDefinitionsFollowStrictModeRules(t *testing.T) {
	t.Parallel()
	decode := func(strict bool) []map[string]any {
		var defs []struct {
			Function map[string]any `json:"function"`
		}
		b, err := json.Marshal(tool.OpenAITools(strict))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &defs); err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, d := range defs {
			out = append(out, d.Function)
		}
		return out
	}
	loose := 0
	for _, f := range decode(false) {
		if len(strictProblems(f["name"].(string), f["parameters"].(map[string]any))) > 0 {
			loose++
		}
	}
	if loose == 0 {
		t.Fatal("the non-strict definitions pass the strict checks: the checks prove nothing")
	}

	for _, f := range decode(true) {
		name := f["name"].(string)
		if f["strict"] != true {
			t.Errorf("%s: strict flag %v", name, f["strict"])
		}
		params := f["parameters"].(map[string]any)
		if params["type"] != "object" {
			t.Errorf("%s: root type %v, want object", name, params["type"])
		}
		for _, p := range strictProblems(name, params) {
			t.Error(p)
		}
		// Optional arguments are nullable (null means what leaving them out means), the
		// required ones are not, and update_task's fields must be given.
		def, _ := tool.Lookup(name)
		for prop, p := range params["properties"].(map[string]any) {
			wantNull := !slices.Contains(def.Input.Required, prop) && !(name == tool.UpdateTask && prop == "fields")
			if got := nullable(p.(map[string]any)); got != wantNull {
				t.Errorf("%s.%s: nullable %v, want %v", name, prop, got, wantNull)
			}
		}
	}
}

func newStore(t *testing.T) *postgres.Store {
	s := pgtest.Store(t)
	if err := s.EnsureUser(context.Background(), todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func call(t *testing.T, s tool.Store, user, name, args string) (tool.Result, error) {
	t.Helper()
	tl, ok := tool.Lookup(name)
	if !ok {
		t.Fatalf("no tool %s", name)
	}
	return tl.Call(context.Background(), s, user, json.RawMessage(args))
}

func mustCall[T any](t *testing.T, s tool.Store, user, name, args string) T {
	t.Helper()
	res, err := call(t, s, user, name, args)
	if err != nil {
		t.Fatalf("%s %s: %v", name, args, err)
	}
	v, ok := res.Value.(T)
	if !ok {
		t.Fatalf("%s answered %T", name, res.Value)
	}
	return v
}

// A strict-mode model sends every argument. With fields naming what it changes, the nulls
// it must send for the rest leave them alone; only a named null clears.
func TestUpdateWithFieldsChangesOnlyTheNamedArguments(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	task := mustCall[todo.Task](t, s, "ann", tool.AddTask,
		`{"title":"Dentist","due_date":"2030-05-01T09:00:00Z","priority":"high","recurrence_pattern":"weekly","tags":["health"]}`)

	every := func(fields, title, due string) string {
		return `{"task_id":` + itoa(task.ID) + `,"fields":` + fields + `,"title":` + title + `,"description":null,"priority":null,` +
			`"due_date":` + due + `,"recurrence_pattern":null,"recurrence_end_date":null,"tags":null}`
	}
	got := mustCall[todo.Task](t, s, "ann", tool.UpdateTask, every(`["title"]`, `"Dentist at 10"`, `null`))
	if got.Title != "Dentist at 10" || got.DueDate == nil || got.Priority != todo.High || got.RecurrencePattern == nil || len(got.Tags) != 1 {
		t.Fatalf("changing the title with every other argument null changed more: %+v", got)
	}
	// A recurring task needs its due date: clearing it alone is refused.
	if _, err := call(t, s, "ann", tool.UpdateTask, every(`["due_date"]`, `null`, `null`)); todo.ErrorCode(err) != todo.Unprocessable {
		t.Fatalf("clearing the due date of a recurring task: %v", err)
	}
	got = mustCall[todo.Task](t, s, "ann", tool.UpdateTask, every(`["due_date","recurrence_pattern"]`, `null`, `null`))
	if got.DueDate != nil || got.Title != "Dentist at 10" || got.RecurrencePattern != nil || len(got.Tags) != 1 {
		t.Fatalf("named null due_date and recurrence_pattern: %+v, want both cleared and the rest kept", got)
	}
	// A named argument that was not sent reads as null.
	got = mustCall[todo.Task](t, s, "ann", tool.UpdateTask, `{"task_id":`+itoa(task.ID)+`,"fields":["tags"]}`)
	if len(got.Tags) != 0 {
		t.Fatalf("fields [tags] with no tags argument kept tags %v", got.TagNames())
	}
	if _, err := call(t, s, "ann", tool.UpdateTask, `{"task_id":`+itoa(task.ID)+`,"fields":["owner"]}`); todo.AsError(err) == nil || todo.AsError(err).Field != "fields" {
		t.Fatalf("an unknown field name: %v, want an error about fields", err)
	}
}

// Without fields, absent leaves a field alone and null clears it (due_date,
// recurrence_pattern, recurrence_end_date, description, tags) or, for priority, sets the
// default; on create, null is the default.
func TestAddNullIsTheDefault(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	got := mustCall[todo.Task](t, s, "ann", tool.AddTask,
		`{"title":"Read","description":null,"priority":null,"due_date":null,"recurrence_pattern":null,"recurrence_end_date":null,"tags":null}`)
	if got.Priority != todo.Medium || got.DueDate != nil || got.RecurrencePattern != nil || len(got.Tags) != 0 || got.Description != "" {
		t.Fatalf("add with nulls: %+v", got)
	}
}

// Zone-less times are read in the user's zone, as on the HTTP API.
func TestToolTimesWithoutZoneAreTheUsers(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	if err := s.EnsureUser(context.Background(), todo.User{ID: "kai", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	got := mustCall[todo.Task](t, s, "kai", tool.AddTask, `{"title":"Tea","due_date":"2030-05-01T09:00"}`)
	if want := "2030-05-01T00:00:00Z"; got.DueDate == nil || got.DueDate.UTC().Format(time.RFC3339) != want {
		t.Fatalf("due %v, want %s (09:00 in Tokyo)", got.DueDate, want)
	}
}

// Without fields, absent leaves a field alone and null clears it (due_date,
// recurrence_pattern, recurrence_end_date, description, tags).
func TestUpdateNullClears(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	task := mustCall[todo.Task](t, s, "ann", tool.AddTask,
		`{"title":"Gym","description":"legs","priority":"high","due_date":"2030-05-01T07:00:00Z","recurrence_pattern":"daily","recurrence_end_date":"2030-06-01","tags":["health"]}`)
	got := mustCall[todo.Task](t, s, "ann", tool.UpdateTask, `{"task_id":`+itoa(task.ID)+`,"title":"Gym!"}`)
	if got.DueDate == nil || got.Description != "legs" || got.RecurrencePattern == nil || got.RecurrenceEndDate == nil || len(got.Tags) != 1 {
		t.Fatalf("absent arguments changed: %+v", got)
	}
	got = mustCall[todo.Task](t, s, "ann", tool.UpdateTask,
		`{"task_id":`+itoa(task.ID)+`,"description":null,"priority":null,"due_date":null,"recurrence_pattern":null,"recurrence_end_date":null,"tags":null}`)
	if got.DueDate != nil || got.Description != "" || got.RecurrencePattern != nil || got.RecurrenceEndDate != nil || len(got.Tags) != 0 || got.Priority != todo.Medium {
		t.Fatalf("null did not clear: %+v", got)
	}
}

// The user is the caller's, never an argument: another user's ids behave as if they did
// not exist.
func TestToolsActOnlyForTheirUser(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	if err := s.EnsureUser(context.Background(), todo.User{ID: "bob"}); err != nil {
		t.Fatal(err)
	}
	task := mustCall[todo.Task](t, s, "ann", tool.AddTask, `{"title":"Ann's","due_date":"2030-05-01T07:00:00Z"}`)
	rem := mustCall[todo.Reminder](t, s, "ann", tool.SetReminder, `{"task_id":`+itoa(task.ID)+`}`)
	for _, c := range []struct{ name, args string }{
		{tool.UpdateTask, `{"task_id":` + itoa(task.ID) + `,"title":"mine"}`},
		{tool.CompleteTask, `{"task_id":` + itoa(task.ID) + `}`},
		{tool.ReopenTask, `{"task_id":` + itoa(task.ID) + `}`},
		{tool.DeleteTask, `{"task_id":` + itoa(task.ID) + `}`},
		{tool.SetReminder, `{"task_id":` + itoa(task.ID) + `}`},
		{tool.DeleteReminder, `{"reminder_id":` + itoa(rem.ID) + `}`},
	} {
		if _, err := call(t, s, "bob", c.name, c.args); todo.ErrorCode(err) != todo.NotFound {
			t.Errorf("bob %s on ann's: %v, want not found", c.name, err)
		}
	}
	page := mustCall[todo.TaskPage](t, s, "bob", tool.ListTasks, `{}`)
	if page.Count != 0 {
		t.Errorf("bob lists %d tasks", page.Count)
	}
	if _, err := call(t, s, "", tool.ListTasks, `{}`); todo.ErrorCode(err) != todo.Unauthorized {
		t.Errorf("a call with no user: %v", err)
	}
	got, _ := s.GetTask(context.Background(), "ann", task.ID)
	if got.Title != "Ann's" || got.Completed {
		t.Errorf("ann's task changed: %+v", got)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
