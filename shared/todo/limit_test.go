package todo_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/taskline/taskline/shared/todo"
)

// Items of issue 12: edges of the data that reached the store and broke it later.
func TestDataEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		field string // "" = valid
	}{
		{"due in year 9999", `{"title":"a","due_date":"9999-12-31T00:00:00Z"}`, "due_date"},
		{"due in year 1", `{"title":"a","due_date":"0001-01-01T00:00:00Z"}`, "due_date"},
		{"due zone-less in year 9999", `{"title":"a","due_date":"9999-12-31T09:00"}`, "due_date"},
		{"due 2199 ok", `{"title":"a","due_date":"2199-12-31T09:00:00Z"}`, ""},
		{"due 1970 ok", `{"title":"a","due_date":"1970-01-01T00:00:00Z"}`, ""},
		{"end date 9999", `{"title":"a","due_date":"2027-01-01T00:00:00Z","recurrence_pattern":"daily","recurrence_end_date":"9999-12-31"}`, "recurrence_end_date"},
		{"NUL in title", `{"title":"a\u0000b"}`, "title"},
		{"NUL in description", `{"title":"a","description":"x\u0000"}`, "description"},
		{"NUL in a tag name", `{"title":"a","tags":["x\u0000"]}`, "tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.body).Changes(true)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if e := todo.AsError(err); e == nil || e.Field != tt.field || e.Code != todo.Invalid {
				t.Fatalf("want invalid %q, got %v", tt.field, err)
			}
		})
	}
}

func TestRecurringNeedsDueDate(t *testing.T) {
	t.Parallel()
	daily := todo.Daily
	err := todo.CheckRecurrence(nil, &daily, nil)
	if e := todo.AsError(err); e == nil || e.Code != todo.Unprocessable || e.Field != "due_date" {
		t.Fatalf("recurring without a due date: %v", err)
	}
}

func TestParseOffsetDoesNotOverflow(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"142880868177984d", "9223372036854775807w", "367d", "53w", "0d", "-1d"} {
		if d, err := todo.ParseOffset(s); err == nil {
			t.Errorf("ParseOffset(%q) = %v, want an error", s, d)
		}
	}
	if d, err := todo.ParseOffset("366d"); err != nil || d != todo.MaxBeforeDue {
		t.Errorf("ParseOffset(366d) = %v, %v", d, err)
	}
}

func TestRemindAtRange(t *testing.T) {
	t.Parallel()
	in := todo.ReminderInput{TaskID: 1, RemindAt: todo.Some("9999-01-01T00:00:00Z")}
	if _, err := in.Spec(); todo.AsError(err) == nil || todo.AsError(err).Field != "remind_at" {
		t.Errorf("remind_at in 9999: %v", err)
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 600) // 1200 bytes
	for n := 995; n <= 1001; n++ {
		got := todo.Truncate(s, n)
		if !utf8.ValidString(got) || len(got) > n {
			t.Errorf("Truncate(_, %d) = %d bytes, valid %v", n, len(got), utf8.ValidString(got))
		}
	}
	if got := todo.Truncate("a\x00b\xffc", 100); got != "ab\uFFFDc" {
		t.Errorf("Truncate cleans NUL and bad bytes: %q", got)
	}
}
