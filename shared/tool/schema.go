package tool

import (
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

func listOf(desc string, items *jsonschema.Schema, max int) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "array", Description: desc, Items: items}
	if max > 0 {
		s.MaxItems = &max
	}
	return s
}

// orNull lets an optional argument be null, which means what leaving it out means on
// create and in filters (the default), and clears the field on update (see the package
// comment). Every optional argument takes it, so strict clients that must send every
// argument can.
func orNull(s *jsonschema.Schema) *jsonschema.Schema {
	if s.Type != "" {
		s.Types, s.Type = []string{s.Type, "null"}, ""
	}
	if s.Enum != nil {
		s.Enum = append(s.Enum, nil)
	}
	return s
}

var priorities = []string{todo.Low.String(), todo.Medium.String(), todo.High.String()}

var recurrences = []todo.Recurrence{todo.Daily, todo.Weekly, todo.Monthly}

const timeHelp = "RFC 3339, e.g. 2026-12-01T09:00:00+01:00; without a zone offset (2026-12-01T09:00) it is that wall-clock time in the user's time zone"

func tagName() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: "a tag name: 1 to 50 letters or digits of any script, '_' or '-'",
		Pattern: todo.TagNamePattern}
}

func taskIDArg(what string) prop {
	return p("task_id", integer("The id of the task "+what+", as list_tasks or add_task returned it.", 1, 0))
}

// taskFieldNames are the task arguments add_task and update_task share, in order.
var taskFieldNames = []string{"title", "description", "priority", "due_date", "recurrence_pattern", "recurrence_end_date", "recurrence_day", "tags"}

// taskFields are those arguments. On create, null means the default; on update it clears
// the field (priority: back to medium).
func taskFields(update bool) []prop {
	title := maxLen(str(fmt.Sprintf("What is to be done, in a few words, e.g. \"Buy milk\" (1 to %d characters).", todo.MaxTitle)), todo.MaxTitle)
	one := 1
	title.MinLength = &one
	if update {
		title = orNull(title)
		title.Description += " null leaves it as it is."
	}
	tagsDesc := fmt.Sprintf("Tag names for the task (at most %d); tags that do not exist yet are created.", todo.MaxTagsPerTask)
	if update {
		tagsDesc = fmt.Sprintf("Replaces all of the task's tags with these names (at most %d; [] or null removes every tag); tags that do not exist yet are created.", todo.MaxTagsPerTask)
	}
	return []prop{
		p("title", title),
		p("description", orNull(maxLen(str(fmt.Sprintf("Optional details or notes (at most %d characters).", todo.MaxDescription)+nullMeans(update, "no description", "clears it")), todo.MaxDescription))),
		p("priority", orNull(enum("How urgent the task is."+nullMeans(update, "medium", "sets it back to medium"), priorities...))),
		p("due_date", orNull(str("When the task is due, "+timeHelp+"."+nullMeans(update, "no due date", "clears it")))),
		p("recurrence_pattern", orNull(enum("Repeat the task: when it is completed, the next one is created "+
			"a day, week or month after its due date."+nullMeans(update, "no repetition", "stops the repetition"), recurrences...))),
		p("recurrence_end_date", orNull(str("The last day the task repeats: a date such as 2026-12-31 (inclusive, in the user's time zone) "+
			"or an RFC 3339 time. Needs recurrence_pattern, and may not be before due_date."+nullMeans(update, "repeats with no end", "clears it")))),
		p("recurrence_day", orNull(integer("For a monthly task, the day of the month it keeps (1 to 31; 29 to 31 fall on the last day of shorter months). "+
			"Give it when the first due date is the last day of a shorter month, e.g. due_date Feb 28 with recurrence_day 31 goes on to Mar 31."+
			nullMeans(update, "the due date's day", "goes back to the due date's day"), 1, 31))),
		p("tags", orNull(listOf(tagsDesc, tagName(), todo.MaxTagsPerTask))),
	}
}

// nullMeans documents null on an argument: the default on create, the effect on update.
func nullMeans(update bool, onCreate, onUpdate string) string {
	if update {
		return " null " + onUpdate + "."
	}
	return " null: " + onCreate + "."
}

func addTaskInput() *jsonschema.Schema {
	return object("A new task.", []string{"title"}, taskFields(false)...)
}

func updateTaskInput() *jsonschema.Schema {
	fields := orNull(listOf("The names of the arguments to change; the others are ignored, whatever their value. "+
		"Leave it out (or null) to change exactly the arguments given.", enum("", taskFieldNames...), 0))
	props := append([]prop{taskIDArg("to change"), p("fields", fields)}, taskFields(true)...)
	return object("The task to change and the fields to change; fields left out stay as they are.", []string{"task_id"}, props...)
}

func taskIDInput(what string) *jsonschema.Schema {
	return object("Which task.", []string{"task_id"}, taskIDArg(what))
}

func reminderIDInput() *jsonschema.Schema {
	return object("Which reminder.", []string{"reminder_id"},
		p("reminder_id", integer("The id of the reminder, as list_reminders or set_reminder returned it.", 1, 0)))
}

func quickAddInput() *jsonschema.Schema {
	return object("One line describing the task.", []string{"text"},
		p("text", maxLen(str("The task as a person would type it, e.g. \"Pay rent every month on the 1st #home p1\"."), 500)))
}

func listTasksInput() *jsonschema.Schema {
	return object("Filters (all must match), order and page size; null or left out: no filter. With no arguments: every task, newest first.", nil,
		p("status", orNull(enum("Which tasks by completion; null: all.", todo.StatusAll, todo.StatusPending, todo.StatusCompleted))),
		p("priority", orNull(enum("Only tasks of this priority.", priorities...))),
		p("due_before", orNull(str("Only tasks due before this instant, "+timeHelp+"."))),
		p("due_after", orNull(str("Only tasks due at or after this instant, "+timeHelp+"."))),
		p("tags", orNull(listOf("Only tasks carrying every one of these tag names.", tagName(), 0))),
		p("search", orNull(maxLen(str("Words to find in the title or description; each word matches the start of a word (\"rep\" finds \"report\")."), 200))),
		p("sort", orNull(enum("The order: due_date (soonest first, undated last), priority (highest first), created_at (newest first, the default), title (A to Z).",
			todo.SortDueDate, todo.SortPriority, todo.SortCreatedAt, todo.SortTitle))),
		p("order", orNull(enum("Reverse the sort's natural direction with the other value.", "asc", "desc"))),
		p("limit", orNull(integer(fmt.Sprintf("How many tasks to return (1 to %d; null: %d).", todo.MaxLimit, ToolListLimit), 1, todo.MaxLimit))),
		p("cursor", orNull(str("next_cursor from the previous call, to get the next page with the same filters and sort."))),
	)
}

func setReminderInput() *jsonschema.Schema {
	return object("When to send an email reminder about a task: give remind_at, or before_due, or neither "+
		"(then 1 hour before the due date).", []string{"task_id"},
		taskIDArg("to be reminded of"),
		p("remind_at", orNull(str("The instant to send the reminder, in the future, "+timeHelp+"."))),
		p("before_due", orNull(str("How long before the task's due date to send it: a number and a unit, "+
			"e.g. 30m, 1h, 1h30m, 1d or 2w (at most 366d). The task needs a due date."))),
	)
}

func listRemindersInput() *jsonschema.Schema {
	return object("Which reminders.", nil,
		p("status", orNull(enum("pending: still to be sent (the default); sent; failed; cancelled; all.",
			"pending", "sent", "failed", "cancelled", "all"))),
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
	rec := orNull(enum("", recurrences...))
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
		p("recurrence_day", orNull(integer("the day of the month a monthly task keeps", 0, 0))),
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

func deletedOut(idName string) *jsonschema.Schema {
	return out("What was deleted.",
		p(idName, integer("", 0, 0)),
		p("deleted", &jsonschema.Schema{Type: "boolean"}),
	)
}

func quickAddOut() *jsonschema.Schema {
	rem := reminderOut()
	rem.Types, rem.Type = []string{"object", "null"}, ""
	return out("The task created, and its reminder.",
		p("task", taskOut()),
		p("reminder", rem),
	)
}
