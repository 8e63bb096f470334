package mcpserver

import (
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/taskline/taskline/shared/todo"
)

// The schemas are written by hand rather than inferred from Go types: the arguments are
// Optionals and the results carry custom JSON (priority is a name, times are RFC 3339), and
// an LLM needs descriptions and enums that no struct tag can say. The limits and enum
// values come from the todo package, so the schemas cannot drift from the rules; the rules
// themselves are enforced by todo's validation, never by the schema.

func object(desc string, required []string, props ...prop) *jsonschema.Schema {
	s := &jsonschema.Schema{
		Type:                 "object",
		Description:          desc,
		Properties:           map[string]*jsonschema.Schema{},
		Required:             required,
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}},
	}
	for _, pr := range props {
		s.Properties[pr.name] = pr.schema
		s.PropertyOrder = append(s.PropertyOrder, pr.name)
	}
	return s
}

// prop is one named property, in the order it is listed to the model.
type prop struct {
	name   string
	schema *jsonschema.Schema
}

func p(name string, s *jsonschema.Schema) prop { return prop{name, s} }

func str(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: desc}
}

func nullableStr(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Types: []string{"string", "null"}, Description: desc}
}

func enum[T ~string](desc string, values ...T) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string", Description: desc}
	for _, v := range values {
		s.Enum = append(s.Enum, string(v))
	}
	return s
}

func nullableEnum[T ~string](desc string, values ...T) *jsonschema.Schema {
	s := enum(desc, values...)
	s.Type, s.Types = "", []string{"string", "null"}
	s.Enum = append(s.Enum, nil)
	return s
}

func integer(desc string, lo, hi int) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "integer", Description: desc}
	if lo != 0 {
		f := float64(lo)
		s.Minimum = &f
	}
	if hi != 0 {
		f := float64(hi)
		s.Maximum = &f
	}
	return s
}

func maxLen(s *jsonschema.Schema, n int) *jsonschema.Schema {
	s.MaxLength = &n
	return s
}

func withDefault(s *jsonschema.Schema, v any) *jsonschema.Schema {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("schema default %v: %v", v, err))
	}
	s.Default = b
	return s
}

func listOf(desc string, items *jsonschema.Schema, max int) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "array", Description: desc, Items: items}
	if max > 0 {
		s.MaxItems = &max
	}
	return s
}

var priorities = []string{todo.Low.String(), todo.Medium.String(), todo.High.String()}

var recurrences = []todo.Recurrence{todo.Daily, todo.Weekly, todo.Monthly}

const timeHelp = "RFC 3339 with a zone offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T09:00:00+01:00"

func tagName() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: "a tag name: 1 to 50 letters, digits, '_' or '-'",
		Pattern: `^[A-Za-z0-9_-]{1,50}$`}
}

func taskIDArg(what string) prop {
	return p("task_id", integer("The id of the task "+what+", as list_tasks or add_task returned it.", 1, 0))
}

// taskFields are the task arguments add_task and update_task share; on update every one is
// optional and the clearable ones accept null.
func taskFields(update bool) []prop {
	s, e := str, enum[string]
	re := enum[todo.Recurrence]
	if update {
		s = nullableStr
		re = nullableEnum[todo.Recurrence]
	}
	title := maxLen(str(fmt.Sprintf("What is to be done, in a few words, e.g. \"Buy milk\" (1 to %d characters).", todo.MaxTitle)), todo.MaxTitle)
	one := 1
	title.MinLength = &one
	prio := e("How urgent the task is.", priorities...)
	tagsDesc := fmt.Sprintf("Tag names for the task (at most %d); tags that do not exist yet are created.", todo.MaxTagsPerTask)
	if update {
		tagsDesc = fmt.Sprintf("Replaces all of the task's tags with these names (at most %d; [] removes every tag); tags that do not exist yet are created.", todo.MaxTagsPerTask)
	} else {
		prio = withDefault(prio, todo.Medium.String())
	}
	return []prop{
		p("title", title),
		p("description", maxLen(str(fmt.Sprintf("Optional details or notes (at most %d characters).", todo.MaxDescription)), todo.MaxDescription)),
		p("priority", prio),
		p("due_date", s("When the task is due, "+timeHelp+"."+clears(update))),
		p("recurrence", re("Repeat the task: when it is completed, the next one is created "+
			"a day, week or month after its due date."+clears(update), recurrences...)),
		p("recurrence_end_date", s("The last day the task repeats: a date such as 2026-12-31 (inclusive, in the user's time zone) "+
			"or an RFC 3339 time. Needs recurrence, and may not be before due_date."+clears(update))),
		p("tags", listOf(tagsDesc, tagName(), todo.MaxTagsPerTask)),
	}
}

func clears(update bool) string {
	if update {
		return " null clears it."
	}
	return ""
}

func addTaskInput() *jsonschema.Schema {
	return object("A new task.", []string{"title"}, taskFields(false)...)
}

func updateTaskInput() *jsonschema.Schema {
	return object("The task to change and the fields to change; fields left out stay as they are.",
		[]string{"task_id"}, append([]prop{taskIDArg("to change")}, taskFields(true)...)...)
}

func taskIDInput(what string) *jsonschema.Schema {
	return object("Which task.", []string{"task_id"}, taskIDArg(what))
}

func listTasksInput() *jsonschema.Schema {
	return object("Filters (all must match), order and page size. With no arguments: every task, newest first.", nil,
		p("status", withDefault(enum("Which tasks by completion.", todo.StatusAll, todo.StatusPending, todo.StatusCompleted), string(todo.StatusAll))),
		p("priority", enum("Only tasks of this priority.", priorities...)),
		p("due_before", str("Only tasks due before this instant, "+timeHelp+".")),
		p("due_after", str("Only tasks due at or after this instant, "+timeHelp+".")),
		p("tags", listOf("Only tasks carrying every one of these tag names.", tagName(), 0)),
		p("search", maxLen(str("Words to find in the title or description; each word matches the start of a word (\"rep\" finds \"report\")."), 200)),
		p("sort", enum("The order: due_date (soonest first, undated last), priority (highest first), created_at (newest first), title (A to Z).",
			todo.SortDueDate, todo.SortPriority, todo.SortCreatedAt, todo.SortTitle)),
		p("order", enum("Reverse the sort's natural direction with the other value.", "asc", "desc")),
		p("limit", withDefault(integer(fmt.Sprintf("How many tasks to return (1 to %d).", todo.MaxLimit), 1, todo.MaxLimit), todo.DefaultLimit)),
		p("cursor", str("next_cursor from the previous call, to get the next page with the same filters and sort.")),
	)
}

func setReminderInput() *jsonschema.Schema {
	return object("When to send an email reminder about a task: give remind_at, or before_due, or neither "+
		"(then 1 hour before the due date).", []string{"task_id"},
		taskIDArg("to be reminded of"),
		p("remind_at", str("The instant to send the reminder, in the future, "+timeHelp+".")),
		p("before_due", str("How long before the task's due date to send it: a number and a unit, "+
			"e.g. 30m, 1h, 1h30m, 1d or 2w (at most 366d). The task needs a due date.")),
	)
}

func listRemindersInput() *jsonschema.Schema {
	return object("Which reminders.", nil,
		p("status", withDefault(enum("pending: still to be sent (the default); sent; failed; cancelled; all.",
			"pending", "sent", "failed", "cancelled", "all"), "pending")),
	)
}

// Output schemas describe the structured results, so clients can check them and models can
// rely on the field names (the same as the HTTP API's).

func timeOut(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Format: "date-time", Description: desc}
}

func nullableTimeOut(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Types: []string{"string", "null"}, Format: "date-time", Description: desc}
}

func out(desc string, props ...prop) *jsonschema.Schema {
	s := object(desc, nil, props...)
	s.AdditionalProperties = nil // results may gain fields (additive minor versions)
	for _, pr := range props {
		s.Required = append(s.Required, pr.name)
	}
	return s
}

func tagOut() *jsonschema.Schema {
	return out("A tag.",
		p("id", integer("", 0, 0)),
		p("name", str("")),
		p("color", nullableStr("#RRGGBB, or null")),
		p("created_at", timeOut("")),
	)
}

func taskOut() *jsonschema.Schema {
	rec := nullableEnum("", recurrences...)
	return out("A task.",
		p("id", integer("", 0, 0)),
		p("user_id", str("")),
		p("title", str("")),
		p("description", str("")),
		p("completed", &jsonschema.Schema{Type: "boolean"}),
		p("completed_at", nullableTimeOut("")),
		p("due_date", nullableTimeOut("")),
		p("priority", enum("", priorities...)),
		p("recurrence_pattern", rec),
		p("recurrence_end_date", nullableTimeOut("")),
		p("tags", listOf("", tagOut(), 0)),
		p("overdue", &jsonschema.Schema{Type: "boolean", Description: "due in the past and not completed"}),
		p("created_at", timeOut("")),
		p("updated_at", timeOut("")),
	)
}

func reminderOut() *jsonschema.Schema {
	return out("A reminder.",
		p("id", integer("", 0, 0)),
		p("task_id", integer("", 0, 0)),
		p("task_title", str("")),
		p("remind_at", timeOut("")),
		p("before_due", nullableStr("the offset before the due date it follows, or null for a fixed time")),
		p("status", enum("", todo.ReminderPending, todo.ReminderTriggered, todo.ReminderSent, todo.ReminderRetrying,
			todo.ReminderFailed, todo.ReminderCancelled)),
		p("sent", &jsonschema.Schema{Type: "boolean"}),
		p("sent_at", nullableTimeOut("")),
		p("created_at", timeOut("")),
	)
}

func taskPageOut() *jsonschema.Schema {
	return out("One page of tasks.",
		p("tasks", listOf("", taskOut(), 0)),
		p("count", integer("how many tasks this page holds", 0, 0)),
		p("next_cursor", nullableStr("pass as cursor for the next page; null on the last page")),
	)
}

func reminderListOut() *jsonschema.Schema {
	return out("The reminders, by time.",
		p("reminders", listOf("", reminderOut(), 0)),
		p("count", integer("", 0, 0)),
	)
}

func deletedOut() *jsonschema.Schema {
	return out("What was deleted.",
		p("task_id", integer("", 0, 0)),
		p("deleted", &jsonschema.Schema{Type: "boolean"}),
	)
}
