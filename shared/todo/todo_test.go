package todo_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

func decode(t *testing.T, body string) todo.TaskInput {
	t.Helper()
	var in todo.TaskInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return in
}

func TestTaskInputRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 201)
	tags21 := `["t0","t1","t2","t3","t4","t5","t6","t7","t8","t9","t10","t11","t12","t13","t14","t15","t16","t17","t18","t19","t20"]`
	tests := []struct {
		name   string
		body   string
		create bool
		field  string // "" = valid
	}{
		{"minimal create", `{"title":"Buy milk"}`, true, ""},
		{"title required on create", `{"description":"x"}`, true, "title"},
		{"title null", `{"title":null}`, false, "title"},
		{"title blank", `{"title":"   "}`, true, "title"},
		{"title 200 chars ok", `{"title":"` + long[:200] + `"}`, true, ""},
		{"title 201 chars", `{"title":"` + long + `"}`, true, "title"},
		{"title multibyte counts runes", `{"title":"` + strings.Repeat("é", 200) + `"}`, true, ""},
		{"description 1001 chars", `{"title":"a","description":"` + strings.Repeat("d", 1001) + `"}`, true, "description"},
		{"priority enum", `{"title":"a","priority":"urgent"}`, true, "priority"},
		{"priority case-insensitive", `{"title":"a","priority":"HIGH"}`, true, ""},
		{"due date format", `{"title":"a","due_date":"tomorrow"}`, true, "due_date"},
		{"due date null clears", `{"due_date":null}`, false, ""},
		{"recurrence enum", `{"title":"a","recurrence_pattern":"yearly"}`, true, "recurrence_pattern"},
		{"end date as day", `{"title":"a","recurrence_pattern":"daily","recurrence_end_date":"2027-01-31"}`, true, ""},
		{"end date garbage", `{"title":"a","recurrence_pattern":"daily","recurrence_end_date":"soon"}`, true, "recurrence_end_date"},
		{"tag name pattern", `{"title":"a","tags":["has space"]}`, true, "tags"},
		{"tag name too long", `{"title":"a","tags":["` + strings.Repeat("x", 51) + `"]}`, true, "tags"},
		{"21 tags", `{"title":"a","tags":` + tags21 + `}`, true, "tags"},
		{"tag id must be positive", `{"title":"a","tag_ids":[0]}`, true, "tag_ids"},
		{"duplicate tags collapse", `{"title":"a","tags":["Work","work","WORK"]}`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.body).Changes(tt.create)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e := todo.AsError(err)
			if e == nil || e.Field != tt.field || e.Code != todo.Invalid {
				t.Fatalf("want invalid %q, got %v", tt.field, err)
			}
		})
	}
}

func TestChangesDefaultsAndNulls(t *testing.T) {
	t.Parallel()
	c, err := decode(t, `{"title":"  Plan trip  ","tags":["Work","work"]}`).Changes(true)
	if err != nil {
		t.Fatal(err)
	}
	if *c.Title != "Plan trip" || *c.Priority != todo.Medium || len(c.TagNames) != 1 {
		t.Fatalf("got title %q priority %v tags %v", *c.Title, *c.Priority, c.TagNames)
	}
	c, err = decode(t, `{"due_date":null,"recurrence_pattern":null}`).Changes(false)
	if err != nil {
		t.Fatal(err)
	}
	if !c.DueDate.Null || !c.Recurrence.Null || c.Title != nil || c.Priority != nil {
		t.Fatalf("null must clear only the fields sent: %+v", c)
	}
}

func TestCheckRecurrence(t *testing.T) {
	t.Parallel()
	due := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	before := due.Add(-time.Hour)
	daily := todo.Daily
	if err := todo.CheckRecurrence(&due, nil, &due); todo.AsError(err) == nil || todo.AsError(err).Field != "recurrence_end_date" {
		t.Errorf("end without pattern: %v", err)
	}
	if err := todo.CheckRecurrence(&due, &daily, &before); todo.ErrorCode(err) != todo.Unprocessable {
		t.Errorf("end before due: %v", err)
	}
	if err := todo.CheckRecurrence(&due, &daily, &due); err != nil {
		t.Errorf("end on due is allowed: %v", err)
	}
}

func TestEndDateDayIsInclusiveInUserZone(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	c, _ := decode(t, `{"title":"a","recurrence_pattern":"daily","recurrence_end_date":"2027-01-31"}`).Changes(true)
	end := c.RecurrenceEnd.Value.In(berlin)
	evening := time.Date(2027, 1, 31, 23, 0, 0, 0, berlin)
	next := time.Date(2027, 2, 1, 0, 0, 0, 0, berlin)
	if end.Before(evening) || !end.Before(next) {
		t.Fatalf("end of 2027-01-31 in Berlin is %v", end)
	}
}

func TestReminderSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body  string
		field string
		want  time.Duration
	}{
		{`{"task_id":1}`, "", time.Hour},
		{`{"task_id":1,"before_due":"30m"}`, "", 30 * time.Minute},
		{`{"task_id":1,"before_due":"1d"}`, "", 24 * time.Hour},
		{`{"task_id":1,"before_due":"2w"}`, "", 14 * 24 * time.Hour},
		{`{"task_id":1,"before_due":"-5m"}`, "before_due", 0},
		{`{"task_id":1,"before_due":"soon"}`, "before_due", 0},
		{`{"task_id":1,"before_due":"400d"}`, "before_due", 0},
		{`{"task_id":1,"remind_at":"2030-01-01T10:00:00Z","before_due":"1h"}`, "remind_at", 0},
		{`{"task_id":1,"remind_at":"next week"}`, "remind_at", 0},
		{`{"before_due":"1h"}`, "task_id", 0},
	}
	for _, tt := range tests {
		var in todo.ReminderInput
		if err := json.Unmarshal([]byte(tt.body), &in); err != nil {
			t.Fatal(err)
		}
		s, err := in.Spec()
		if tt.field != "" {
			if e := todo.AsError(err); e == nil || e.Field != tt.field {
				t.Errorf("%s: want error on %s, got %v", tt.body, tt.field, err)
			}
			continue
		}
		if err != nil || s.BeforeDue != tt.want {
			t.Errorf("%s: got %v, %v; want offset %v", tt.body, s.BeforeDue, err, tt.want)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 30 * time.Minute: "30m", 90 * time.Minute: "1h30m", 24 * time.Hour: "1d",
		14 * 24 * time.Hour: "2w", 45 * time.Second: "45s",
	} {
		if got := todo.FormatOffset(d); got != want {
			t.Errorf("FormatOffset(%v) = %q, want %q", d, got, want)
		}
		if back, err := todo.ParseOffset(todo.FormatOffset(d)); err != nil || back != d {
			t.Errorf("ParseOffset(FormatOffset(%v)) = %v, %v", d, back, err)
		}
	}
}

func TestParseTaskQuery(t *testing.T) {
	t.Parallel()
	q, err := todo.ParseTaskQuery(url.Values{"status": {"pending"}, "priority": {"high"}, "tags": {"Work, home,work"},
		"sort": {"due_date"}, "limit": {"10"}, "due_before": {"2027-01-01T00:00:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != todo.StatusPending || *q.Priority != todo.High || len(q.Tags) != 2 || q.Sort != todo.SortDueDate || q.Desc || q.Limit != 10 || q.DueBefore == nil {
		t.Fatalf("parsed %+v", q)
	}
	q, _ = todo.ParseTaskQuery(url.Values{})
	if q.Sort != todo.SortCreatedAt || !q.Desc || q.Limit != todo.DefaultLimit || q.Status != todo.StatusAll {
		t.Fatalf("defaults %+v", q)
	}
	for param, value := range map[string]string{
		"status": "done", "priority": "3", "due_before": "2027-01-01", "due_after": "x", "tags": "a b",
		"sort": "rank", "order": "up", "limit": "0",
	} {
		_, err := todo.ParseTaskQuery(url.Values{param: {value}})
		if e := todo.AsError(err); e == nil || e.Field != param {
			t.Errorf("%s=%s: want an error naming %s, got %v", param, value, param, err)
		}
	}
	if _, err := todo.ParseTaskQuery(url.Values{"limit": {"201"}}); err == nil {
		t.Error("limit above the maximum accepted")
	}
}
