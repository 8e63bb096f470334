// Package tool is Taskline's one tool registry: the names, descriptions and JSON schemas of
// the task tools, and the calls they make into the domain and the store. The MCP server,
// the chat assistant (LLM or built-in) and the exported OpenAI definitions all use it, so a
// tool's schema and rules exist once.
//
// Arguments are decoded into the todo package's inputs and validated by the same code as
// the HTTP API; they carry the HTTP API's field names, so a field copied from a result can
// be sent back. null has one meaning on every surface: absent leaves a field as it is,
// null clears it where clearing makes sense (due_date, recurrence_pattern,
// recurrence_end_date, description, tags) and means the default where it does not
// (priority: medium; list filters: none).
//
// No tool takes a user id: the caller passes the user its transport authenticated (the
// token's subject), and every store call is scoped to that user.
package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/taskline/taskline/shared/telemetry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/taskline/taskline/shared/todo"
)

// Store is what the tools need of the store: the same methods, with the same rules and the
// same events, as the HTTP functions call.
type Store interface {
	GetTask(ctx context.Context, userID string, id int64) (todo.Task, error)
	CreateTask(ctx context.Context, userID string, c todo.TaskChanges) (todo.Task, error)
	UpdateTask(ctx context.Context, userID string, id int64, c todo.TaskChanges) (todo.Task, error)
	CompleteTask(ctx context.Context, userID string, id int64, toggle bool) (todo.Task, error)
	ReopenTask(ctx context.Context, userID string, id int64) (todo.Task, error)
	DeleteTask(ctx context.Context, userID string, id int64) error
	ListTasks(ctx context.Context, userID string, q todo.TaskQuery) (todo.TaskPage, error)
	CreateReminder(ctx context.Context, userID string, spec todo.ReminderSpec) (todo.Reminder, error)
	ListReminders(ctx context.Context, userID, status string) ([]todo.Reminder, error)
	DeleteReminder(ctx context.Context, userID string, id int64) error
	Profile(ctx context.Context, userID string) (todo.Profile, error)
}

// Tool is one tool: its definition, as MCP's tools/list and the OpenAI export show it, and
// what it does.
type Tool struct {
	Name        string
	Title       string
	Description string
	// Input and Output are JSON Schema 2020-12: the arguments (a closed object) and the
	// structured result (the HTTP API's shapes).
	Input  *jsonschema.Schema
	Output *jsonschema.Schema
	// ReadOnly tools change nothing; Destructive ones remove data for good (the chat asks
	// the user to confirm them first); Idempotent ones may be repeated with no further
	// effect.
	ReadOnly, Destructive, Idempotent bool
	// strictRequired are optional arguments that stay required and non-null in the strict
	// OpenAI export (see Strict).
	strictRequired []string

	run func(ctx context.Context, c call) (Result, error)
}

// call is one invocation: the store, the user, the decoded argument object.
type call struct {
	store  Store
	userID string
	args   map[string]json.RawMessage
	schema *jsonschema.Schema
}

// Result is a successful call: a short text for a model to read, and the structured
// result (the same JSON the HTTP API answers with).
type Result struct {
	Summary string
	Value   any
}

// The tool names. CONTRACTS.md lists them; clients and prompts rely on them.
const (
	AddTask        = "add_task"
	ListTasks      = "list_tasks"
	UpdateTask     = "update_task"
	CompleteTask   = "complete_task"
	ReopenTask     = "reopen_task"
	DeleteTask     = "delete_task"
	SetReminder    = "set_reminder"
	ListReminders  = "list_reminders"
	DeleteReminder = "delete_reminder"
	QuickAdd       = "quick_add"
)

// All returns the tools, built afresh so no caller can alter another's schemas.
func All() []Tool {
	return []Tool{
		{
			Name: AddTask, Title: "Add a task",
			Description: "Create a task for the user. Only title is required; null or a missing argument means the default " +
				"(medium priority, no due date, no repetition, no tags). Give recurrence_pattern to make it repeat, tags to label it. " +
				"Returns the task with its id.",
			Input: addTaskInput(), Output: taskOut(),
			run: addTask,
		},
		{
			Name: QuickAdd, Title: "Add a task from one line",
			Description: "Create a task from one line of natural language, read in the user's time zone, e.g. " +
				"\"Pay rent every month on the 1st #home p1\" or \"call mom tomorrow at 6pm remind me 30 minutes before\": " +
				"the due date, repetition, priority (p1/!high/urgent, p2, p3/low priority), #tags and a reminder are taken " +
				"from the text and the rest is the title. Returns the task and the reminder, if one was asked for.",
			Input: quickAddInput(), Output: quickAddOut(),
			run: quickAdd,
		},
		{
			Name: ListTasks, Title: "List tasks",
			Description: "List the user's tasks with any filters: status, priority, due date range, tags (all must match) " +
				"and a text search; sorted by due_date, priority, created_at or title. Every argument is optional; null " +
				"means no filter (or the default). Returns one page and next_cursor when there are more. Use it to find a task's id.",
			Input: listTasksInput(), Output: taskPageOut(),
			ReadOnly: true,
			run:      listTasks,
		},
		{
			Name: UpdateTask, Title: "Update a task",
			Description: "Change fields of one of the user's tasks. Only the arguments given change, or, when fields is given, " +
				"only the arguments it names. null clears due_date, recurrence_pattern, recurrence_end_date, description " +
				"and tags, and sets priority back to medium. tags replaces the task's tags. To mark a task done use complete_task.",
			Input: updateTaskInput(), Output: taskOut(),
			Idempotent: true, strictRequired: []string{"fields"},
			run: updateTask,
		},
		{
			Name: CompleteTask, Title: "Complete a task",
			Description: "Mark one of the user's tasks as done; its pending reminders are cancelled, and a repeating " +
				"task's next occurrence is created. Completing a completed task changes nothing.",
			Input: taskIDInput("to complete"), Output: taskOut(),
			Idempotent: true,
			run:        completeTask,
		},
		{
			Name: ReopenTask, Title: "Reopen a task",
			Description: "Mark one of the user's completed tasks as not done again. Reopening an open task changes nothing.",
			Input:       taskIDInput("to reopen"), Output: taskOut(),
			Idempotent: true,
			run:        reopenTask,
		},
		{
			Name: DeleteTask, Title: "Delete a task",
			Description: "Delete one of the user's tasks for good, with its reminders. Confirm with the user first.",
			Input:       taskIDInput("to delete"), Output: deletedOut("task_id"),
			Destructive: true, Idempotent: true,
			run: deleteTask,
		},
		{
			Name: SetReminder, Title: "Set a reminder",
			Description: "Schedule an email reminder about one of the user's open tasks: at a time (remind_at), " +
				"or an offset before its due date (before_due, e.g. 1h or 1d), by default (both null) 1 hour before it is due. " +
				"A before_due reminder moves when the due date moves.",
			Input: setReminderInput(), Output: reminderOut(),
			run: setReminder,
		},
		{
			Name: ListReminders, Title: "List reminders",
			Description: "List the user's reminders by time; by default (status null) those still to be sent.",
			Input:       listRemindersInput(), Output: reminderListOut(),
			ReadOnly: true,
			run:      listReminders,
		},
		{
			Name: DeleteReminder, Title: "Delete a reminder",
			Description: "Remove one of the user's reminders, so no email is sent for it. Confirm with the user first.",
			Input:       reminderIDInput(), Output: deletedOut("reminder_id"),
			Destructive: true, Idempotent: true,
			run: deleteReminder,
		},
	}
}

// Lookup returns the tool named name.
func Lookup(name string) (Tool, bool) {
	for _, t := range All() {
		if t.Name == name {
			return t, true
		}
	}
	return Tool{}, false
}

// Call runs the tool for userID with the given JSON arguments (an object, or empty). A
// failure is a *todo.Error naming the argument at fault when the input was wrong, or an
// internal error; ErrorOf turns either into what a caller may show.
func (t Tool) Call(ctx context.Context, s Store, userID string, args json.RawMessage) (res Result, err error) {
	ctx, span := telemetry.Start(ctx, "execute_tool "+t.Name, trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"), attribute.String("gen_ai.tool.name", t.Name)))
	defer func() { telemetry.End(span, err) }()
	if userID == "" {
		return Result{}, todo.Errorf(todo.Unauthorized, "authorization", "no user: a tool acts for an authenticated user")
	}
	m, err := decodeObject(args, t.Input)
	if err != nil {
		return Result{}, err
	}
	res, err = t.run(ctx, call{store: s, userID: userID, args: m, schema: t.Input})
	if err != nil {
		if e := todo.AsError(err); e != nil {
			return Result{}, asToolError(e)
		}
		return Result{}, fmt.Errorf("%s: %w", t.Name, err)
	}
	return res, nil
}

// ErrorOf is the error a tool caller may show for err: the domain error with the field
// named after the argument, or, for an internal error, a message that reveals nothing.
// internal reports which it was, so the caller logs it once.
func ErrorOf(err error) (e *todo.Error, internal bool) {
	if d := todo.AsError(err); d != nil {
		return asToolError(d), false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &todo.Error{Code: todo.Internal, Message: "the request took too long; try again"}, true
	}
	return &todo.Error{Code: todo.Internal, Message: "something went wrong on our side; try again"}, true
}

// argNames maps the HTTP API's field names, which the todo package's errors use, to the
// tool arguments that carry them, where the two differ.
var argNames = map[string]string{
	"tag_ids": "tags",
	"id":      "task_id",
}

// asToolError renames the field of a domain error after the tool argument, and the HTTP
// names the message mentions, so a model can correct the argument it sent.
func asToolError(e *todo.Error) *todo.Error {
	out := *e
	if name, ok := argNames[e.Field]; ok {
		out.Field = name
	}
	for from, to := range argNames {
		if len(from) > 2 { // "id" is too common a word to rewrite in prose
			out.Message = strings.ReplaceAll(out.Message, from, to)
		}
	}
	return &out
}
