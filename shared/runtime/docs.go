package runtime

import (
	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/todo"
)

// APIInfo is the front matter of the OpenAPI document.
var APIInfo = openapi.Info{
	Title:   "Taskline API",
	Version: "1.0",
	Description: "Tasks with priorities, due dates, recurrence, reminders and tags. Base path /api/{user_id}; a bearer JWT " +
		"whose subject is {user_id}.\n\n" +
		"Errors: {\"error\": {\"code\", \"message\", \"field\"}, \"detail\": message}; 400 malformed input, 401 no or bad token, " +
		"403 another user's path, 404 absent or another user's, 405 another method (with Allow), 409 duplicate, " +
		"422 input that breaks a rule. Failed requests write nothing.\n\n" +
		"Optional fields: absent leaves a field unchanged; null clears it where it can be empty (due_date, " +
		"recurrence_pattern, recurrence_end_date, description, tags) and means its default where it cannot (priority: " +
		"medium). Times are RFC 3339, or without a zone (2026-12-03T09:00) meaning that wall-clock time in the user's " +
		"time zone; a time that a DST change skips moves forward by the gap, one it repeats is the first.\n\n" +
		"Browsers on another origin may call it when their origin is in CORS_ORIGINS.",
	Tags: map[string]string{
		"Tasks":     "Create, read, change, complete and delete tasks; list them with filters, search, sort and pages.",
		"Tags":      "The user's labels: unique per user ignoring case, letters and digits of any script.",
		"Reminders": "Email reminders at a time or before a task's due date.",
		"Chat":      "The assistant: messages in, tool calls on your tasks, conversations kept.",
		"Events":    "Your own events as they happen (server-sent events, resumable): what another tab, the chat or a reminder changed.",
		"Profile":   "Your email (where reminders go) and time zone (of recurrence, reminders and times without a zone).",
	},
	Error: ErrorBody{},
	Fields: map[string]openapi.Schema{
		"TagInput.name":  {"pattern": todo.TagNamePattern, "description": "1 to 50 letters or digits of any script, '_' or '-'; unique per user ignoring case."},
		"Tag.name":       {"pattern": todo.TagNamePattern},
		"TagInput.color": {"pattern": todo.TagColorPattern, "description": "#RRGGBB; stored in upper case."},
		// A user's message has no tool calls: null.
		"Message.tool_calls": {"type": []any{"array", "null"}},
		// A preview without a task (a question instead) or without a reminder.
		"Preview.task":     {"type": []any{"object", "null"}},
		"Preview.reminder": {"type": []any{"object", "null"}},
	},
}

// Document is the OpenAPI 3.1 document of the routes mounted with d (see openapi.Build).
func Document(d *Deps) ([]byte, error) {
	return openapi.Build(APIInfo, Endpoints(d))
}

// Endpoints are d's mounted routes as the document builder takes them.
func Endpoints(d *Deps) []openapi.Endpoint {
	var eps []openapi.Endpoint
	for _, m := range d.Mounted() {
		eps = append(eps, openapi.Endpoint{Pattern: m.Pattern, Public: m.Public, Doc: m.Doc})
	}
	return eps
}
