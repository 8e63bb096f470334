package todo_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A zone-less time is read in the user's zone; across DST the browser's rule applies.
func TestLocalTimeIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, zone, want string
	}{
		{"winter", "2026-12-03T09:00", "America/New_York", "2026-12-03T14:00:00Z"},
		{"summer, seconds", "2026-07-03T09:00:30", "America/New_York", "2026-07-03T13:00:30Z"},
		{"space separator", "2026-07-03 09:00", "Europe/Berlin", "2026-07-03T07:00:00Z"},
		{"UTC user", "2026-12-03T09:00", "UTC", "2026-12-03T09:00:00Z"},
		// 02:30 does not exist on 8 March 2026 in New York (02:00 EST -> 03:00 EDT): read
		// with the offset before the jump, it is 03:30 EDT.
		{"gap moves forward", "2026-03-08T02:30", "America/New_York", "2026-03-08T07:30:00Z"},
		// 01:30 happens twice on 1 November 2026 (EDT, then EST): the first.
		{"overlap takes the first", "2026-11-01T01:30", "America/New_York", "2026-11-01T05:30:00Z"},
		{"just after the overlap", "2026-11-01T02:00", "America/New_York", "2026-11-01T07:00:00Z"},
		// Lord Howe moves by 30 minutes.
		{"half-hour gap", "2026-10-04T02:15", "Australia/Lord_Howe", "2026-10-03T15:45:00Z"},
		{"half-hour overlap", "2026-04-05T01:45", "Australia/Lord_Howe", "2026-04-04T14:45:00Z"},
		{"southern summer", "2026-01-15T09:00", "Australia/Sydney", "2026-01-14T22:00:00Z"},
		{"with a zone it is an instant", "2026-12-03T09:00:00+01:00", "America/New_York", "2026-12-03T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := todo.ParseWhen(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.In(zone(t, tt.zone)); !got.Equal(utc(t, tt.want)) {
				t.Errorf("%s in %s = %s, want %s", tt.in, tt.zone, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
	for _, bad := range []string{"2026-12-03", "tomorrow", "2026-13-03T09:00", "2026-12-03T25:00", "09:00"} {
		if _, err := todo.ParseWhen(bad); err == nil {
			t.Errorf("ParseWhen(%q) accepted", bad)
		}
	}
}

// Zone-less values stay local until the store knows the zone, on every field that takes a
// time.
func TestZonelessTimesEverywhere(t *testing.T) {
	t.Parallel()
	ny := zone(t, "America/New_York")
	c, err := decode(t, `{"title":"a","due_date":"2026-12-03T09:00","recurrence_pattern":"daily","recurrence_end_date":"2026-12-31T18:00"}`).Changes(true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Zoned() || c.DueLocal == nil {
		t.Fatalf("a zone-less due date is not left to the zone: %+v", c)
	}
	c = c.In(ny)
	if c.DueLocal != nil || !c.DueDate.Value.Equal(utc(t, "2026-12-03T14:00:00Z")) {
		t.Errorf("due %v", c.DueDate)
	}
	if end := c.RecurrenceEnd.Value.In(ny); !end.Equal(utc(t, "2026-12-31T23:00:00Z")) {
		t.Errorf("end %v", end)
	}
	if c, _ := decode(t, `{"title":"a","due_date":"2026-12-03T09:00:00Z"}`).Changes(true); c.Zoned() {
		t.Error("a due date with a zone asks for the user's zone")
	}

	var r todo.ReminderInput
	r.TaskID = 1
	r.RemindAt = todo.Some("2026-12-03T08:30")
	spec, err := r.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if spec.At != nil || spec.AtLocal == nil {
		t.Fatalf("remind_at without zone: %+v", spec)
	}
	if spec = spec.In(ny); spec.At == nil || !spec.At.Equal(utc(t, "2026-12-03T13:30:00Z")) {
		t.Errorf("remind_at resolved to %v", spec.At)
	}

	q, err := todo.ParseTaskQuery(url.Values{"due_after": {"2026-12-03T00:00"}, "due_before": {"2026-12-04T00:00:00"}})
	if err != nil {
		t.Fatal(err)
	}
	if !q.Zoned() || q.DueAfter != nil {
		t.Fatalf("zone-less bounds: %+v", q)
	}
	q = q.In(ny)
	if !q.DueAfter.Equal(utc(t, "2026-12-03T05:00:00Z")) || !q.DueBefore.Equal(utc(t, "2026-12-04T05:00:00Z")) || q.Zoned() {
		t.Errorf("bounds %v %v", q.DueAfter, q.DueBefore)
	}
}

// One meaning of null: absent leaves a field alone, null clears it where it can be empty
// and resets it to its default where it cannot.
func TestNullMeansClearOrDefault(t *testing.T) {
	t.Parallel()
	all := `{"description":null,"due_date":null,"priority":null,"recurrence_pattern":null,"recurrence_end_date":null,"tags":null,"tag_ids":null}`
	for _, create := range []bool{false, true} {
		body := all
		if create {
			body = `{"title":"a",` + all[1:]
		}
		c, err := decode(t, body).Changes(create)
		if err != nil {
			t.Fatalf("create=%v: %v", create, err)
		}
		if c.Description == nil || *c.Description != "" {
			t.Errorf("create=%v: description null is %v, want cleared", create, c.Description)
		}
		if !c.DueDate.Null || !c.Recurrence.Null || !c.RecurrenceEnd.Null {
			t.Errorf("create=%v: due/recurrence null not cleared: %+v", create, c)
		}
		if c.Priority == nil || *c.Priority != todo.Medium {
			t.Errorf("create=%v: priority null is %v, want medium", create, c.Priority)
		}
		if !c.TagsSet || len(c.TagIDs)+len(c.TagNames) != 0 {
			t.Errorf("create=%v: tags null do not clear: %+v", create, c)
		}
	}
	c, err := decode(t, `{"title":"x"}`).Changes(false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Description != nil || c.Priority != nil || c.DueDate.Set || c.Recurrence.Set || c.RecurrenceEnd.Set || c.TagsSet {
		t.Errorf("absent fields changed: %+v", c)
	}
	if _, err := decode(t, `{"title":null}`).Changes(false); todo.AsError(err) == nil || todo.AsError(err).Field != "title" {
		t.Errorf("title null: %v", err)
	}
	if c, _ := decode(t, `{"due_date":""}`).Changes(false); !c.DueDate.Null {
		t.Error(`an emptied datetime-local ("") does not clear the due date`)
	}
	var r todo.ReminderInput
	r.TaskID, r.RemindAt, r.BeforeDue = 1, todo.Null[string](), todo.Null[string]()
	if spec, err := r.Spec(); err != nil || spec.At != nil || spec.BeforeDue != todo.DefaultBeforeDue {
		t.Errorf("reminder with both null: %+v %v, want the default", spec, err)
	}
}

func TestTaskQueryAliasesAndRepeats(t *testing.T) {
	t.Parallel()
	q, err := todo.ParseTaskQuery(url.Values{"is_completed": {"true"}, "sort_by": {"title"}, "tags": {"work", "home,urgent", "Work"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != todo.StatusCompleted || q.Sort != todo.SortTitle || strings.Join(q.Tags, ",") != "work,home,urgent" {
		t.Errorf("parsed %+v", q)
	}
	if q, _ := todo.ParseTaskQuery(url.Values{"is_completed": {"false"}}); q.Status != todo.StatusPending {
		t.Errorf("is_completed=false is %s", q.Status)
	}
	ok := []url.Values{
		{"status": {"completed"}, "is_completed": {"true"}},
		{"sort": {"title"}, "sort_by": {"title"}},
		{"limit": {"5", "5"}},
	}
	for _, v := range ok {
		if _, err := todo.ParseTaskQuery(v); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
	bad := []struct {
		v     url.Values
		field string
	}{
		{url.Values{"status": {"pending", "completed"}}, "status"},
		{url.Values{"limit": {"5", "10"}}, "limit"},
		{url.Values{"sort": {"title"}, "sort_by": {"priority"}}, "sort_by"},
		{url.Values{"status": {"pending"}, "is_completed": {"true"}}, "is_completed"},
		{url.Values{"is_completed": {"yes please"}}, "is_completed"},
		{url.Values{"sort_by": {"rank"}}, "sort_by"},
		{url.Values{"due_before": {"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"}}, "due_before"},
		{url.Values{"search": {"a", "b"}}, "search"},
	}
	for _, b := range bad {
		_, err := todo.ParseTaskQuery(b.v)
		if e := todo.AsError(err); e == nil || e.Field != b.field || e.Code != todo.Invalid {
			t.Errorf("%v: want a 400 naming %s, got %v", b.v, b.field, err)
		}
	}
}

func TestTagNamesOfAnyScript(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"work", "été", "日本", "Ελληνικά", "हिन्दी", "العربية", "q4-2026_x", "٣", strings.Repeat("é", 50)} {
		if err := todo.ValidateTagName(todo.NormalizeTagName(ok), "name"); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "has space", "a,b", "#tag", "emoji😀", "dot.ted", strings.Repeat("x", 51), "tab\t"} {
		if err := todo.ValidateTagName(bad, "name"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Same tag: case and Unicode composition do not matter.
	if todo.TagKey("Été") != todo.TagKey("e\u0301té") || todo.TagKey("STRASSE") != todo.TagKey("straße") {
		t.Error("TagKey tells apart names that are the same tag")
	}
	if todo.NormalizeTagName("e\u0301té") != "été" {
		t.Error("names are not stored composed (NFC)")
	}
	// The exported pattern is what JSON Schemas carry: ECMA-262 reads \p{..} with the u flag
	// just as Go does; here, it compiles and means the same as the rule.
	re := regexp.MustCompile(todo.TagNamePattern)
	if !re.MatchString("日本") || re.MatchString("a b") {
		t.Error("TagNamePattern does not match the rule")
	}
}

// FuzzTagNameMatchesPattern: ValidateTagName (a loop, for start-up time) accepts exactly
// what TagNamePattern, the rule the JSON Schemas publish, matches.
func FuzzTagNameMatchesPattern(f *testing.F) {
	for _, s := range []string{"work", "été", "e\u0301", "日本", "٣", "a b", "", "😀", "\xff", "x\u00a0", "ǅ", "Ⅻ",
		strings.Repeat("é", 50), strings.Repeat("é", 51), strings.Repeat("日", 50) + "a"} {
		f.Add(s)
	}
	re := regexp.MustCompile(todo.TagNamePattern)
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := todo.ValidateTagName(name, "name") == nil, re.MatchString(name); got != want {
			t.Errorf("%q: ValidateTagName accepts it: %v, TagNamePattern matches it: %v", name, got, want)
		}
	})
}

func TestTaskJSONHasIsCompleted(t *testing.T) {
	t.Parallel()
	for _, done := range []bool{true, false} {
		b, err := (todo.Task{Completed: done, Priority: todo.Medium}).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want := `"completed":false`
		if done {
			want = `"completed":true`
		}
		if !strings.Contains(string(b), want) || !strings.Contains(string(b), `"is_`+want[1:]) {
			t.Errorf("completed=%v encodes as %s", done, b)
		}
	}
}
