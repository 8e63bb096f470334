package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskline/taskline/shared/todo"
)

// Store is what the tools need of the store: the same methods, with the same rules and the
// same events, as the HTTP functions call.
type Store interface {
	CreateTask(ctx context.Context, userID string, c todo.TaskChanges) (todo.Task, error)
	UpdateTask(ctx context.Context, userID string, id int64, c todo.TaskChanges) (todo.Task, error)
	CompleteTask(ctx context.Context, userID string, id int64, toggle bool) (todo.Task, error)
	DeleteTask(ctx context.Context, userID string, id int64) error
	ListTasks(ctx context.Context, userID string, q todo.TaskQuery) (todo.TaskPage, error)
	CreateReminder(ctx context.Context, userID string, spec todo.ReminderSpec) (todo.Reminder, error)
	ListReminders(ctx context.Context, userID, status string) ([]todo.Reminder, error)
}

// tool is one MCP tool: its definition (shared with the OpenAI export) and what it does.
// run returns a short summary for the model to read and the structured result.
type tool struct {
	def *mcp.Tool
	run func(ctx context.Context, s Store, userID string, in *jsonschema.Schema, args json.RawMessage) (summary string, result any, err error)
}

// The tool names, as the README lists them.
const (
	AddTask       = "add_task"
	ListTasks     = "list_tasks"
	UpdateTask    = "update_task"
	CompleteTask  = "complete_task"
	DeleteTask    = "delete_task"
	SetReminder   = "set_reminder"
	ListReminders = "list_reminders"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// toolset builds the tools afresh, so no caller can alter another's schemas.
func toolset() []tool {
	return []tool{
		{
			def: &mcp.Tool{
				Name: AddTask, Title: "Add a task",
				Description: "Create a task for the user. Only title is required; priority defaults to medium. " +
					"Give recurrence to make it repeat, tags to label it. Returns the task with its id.",
				InputSchema: addTaskInput(), OutputSchema: taskOut(),
				Annotations: &mcp.ToolAnnotations{Title: "Add a task", DestructiveHint: no(), OpenWorldHint: no()},
			},
			run: addTask,
		},
		{
			def: &mcp.Tool{
				Name: ListTasks, Title: "List tasks",
				Description: "List the user's tasks with any filters: status, priority, due date range, tags (all must match) " +
					"and a text search; sorted by due_date, priority, created_at or title. Returns one page " +
					"and next_cursor when there are more. Use it to find a task's id.",
				InputSchema: listTasksInput(), OutputSchema: taskPageOut(),
				Annotations: &mcp.ToolAnnotations{Title: "List tasks", ReadOnlyHint: true, OpenWorldHint: no()},
			},
			run: listTasks,
		},
		{
			def: &mcp.Tool{
				Name: UpdateTask, Title: "Update a task",
				Description: "Change fields of one of the user's tasks; only the fields given change. " +
					"null clears due_date, recurrence or recurrence_end_date; tags replaces the task's tags. " +
					"To mark a task done use complete_task.",
				InputSchema: updateTaskInput(), OutputSchema: taskOut(),
				Annotations: &mcp.ToolAnnotations{Title: "Update a task", DestructiveHint: no(), IdempotentHint: true, OpenWorldHint: no()},
			},
			run: updateTask,
		},
		{
			def: &mcp.Tool{
				Name: CompleteTask, Title: "Complete a task",
				Description: "Mark one of the user's tasks as done; its pending reminders are cancelled, and a repeating " +
					"task's next occurrence is created. Completing a completed task changes nothing.",
				InputSchema: taskIDInput("to complete"), OutputSchema: taskOut(),
				Annotations: &mcp.ToolAnnotations{Title: "Complete a task", DestructiveHint: no(), IdempotentHint: true, OpenWorldHint: no()},
			},
			run: completeTask,
		},
		{
			def: &mcp.Tool{
				Name: DeleteTask, Title: "Delete a task",
				Description: "Delete one of the user's tasks for good, with its reminders. Confirm with the user first.",
				InputSchema: taskIDInput("to delete"), OutputSchema: deletedOut(),
				Annotations: &mcp.ToolAnnotations{Title: "Delete a task", DestructiveHint: yes(), IdempotentHint: true, OpenWorldHint: no()},
			},
			run: deleteTask,
		},
		{
			def: &mcp.Tool{
				Name: SetReminder, Title: "Set a reminder",
				Description: "Schedule an email reminder about one of the user's open tasks: at a time (remind_at), " +
					"or an offset before its due date (before_due, e.g. 1h or 1d), by default 1 hour before it is due. " +
					"A before_due reminder moves when the due date moves.",
				InputSchema: setReminderInput(), OutputSchema: reminderOut(),
				Annotations: &mcp.ToolAnnotations{Title: "Set a reminder", DestructiveHint: no(), OpenWorldHint: no()},
			},
			run: setReminder,
		},
		{
			def: &mcp.Tool{
				Name: ListReminders, Title: "List reminders",
				Description: "List the user's reminders by time; by default those still to be sent.",
				InputSchema: listRemindersInput(), OutputSchema: reminderListOut(),
				Annotations: &mcp.ToolAnnotations{Title: "List reminders", ReadOnlyHint: true, OpenWorldHint: no()},
			},
			run: listReminders,
		},
	}
}

// Definitions returns the tool definitions as MCP's tools/list gives them.
func Definitions() []*mcp.Tool {
	var defs []*mcp.Tool
	for _, t := range toolset() {
		defs = append(defs, t.def)
	}
	return defs
}

// taskArgs are add_task's and update_task's arguments: the HTTP body's fields under the
// tools' names (recurrence for recurrence_pattern, tags as names only).
type taskArgs struct {
	TaskID            wholeNumber
	Title             todo.Optional[string]
	Description       todo.Optional[string]
	Priority          todo.Optional[string]
	DueDate           todo.Optional[string]
	Recurrence        todo.Optional[string]
	RecurrenceEndDate todo.Optional[string]
	Tags              todo.Optional[[]string]
}

func (a *taskArgs) decode(raw json.RawMessage, schema *jsonschema.Schema) error {
	return decodeArgs(raw, schema, map[string]any{
		"task_id": &a.TaskID, "title": &a.Title, "description": &a.Description, "priority": &a.Priority,
		"due_date": &a.DueDate, "recurrence": &a.Recurrence, "recurrence_end_date": &a.RecurrenceEndDate, "tags": &a.Tags,
	})
}

// changes validates the arguments with the same code as the HTTP body.
func (a *taskArgs) changes(create bool) (todo.TaskChanges, error) {
	in := todo.TaskInput{
		Title: a.Title, Description: a.Description, Priority: a.Priority, DueDate: a.DueDate,
		RecurrencePattern: a.Recurrence, RecurrenceEndDate: a.RecurrenceEndDate, Tags: a.Tags,
	}
	return in.Changes(create)
}

func addTask(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	var a taskArgs
	if err := a.decode(raw, in); err != nil {
		return "", nil, err
	}
	c, err := a.changes(true)
	if err != nil {
		return "", nil, err
	}
	t, err := s.CreateTask(ctx, userID, c)
	if err != nil {
		return "", nil, err
	}
	return "Created " + describeTask(t), t, nil
}

func updateTask(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	var a taskArgs
	if err := a.decode(raw, in); err != nil {
		return "", nil, err
	}
	c, err := a.changes(false)
	if err != nil {
		return "", nil, err
	}
	t, err := s.UpdateTask(ctx, userID, int64(a.TaskID), c)
	if err != nil {
		return "", nil, err
	}
	return "Updated " + describeTask(t), t, nil
}

func taskID(raw json.RawMessage, schema *jsonschema.Schema) (int64, error) {
	var id wholeNumber
	if err := decodeArgs(raw, schema, map[string]any{"task_id": &id}); err != nil {
		return 0, err
	}
	return int64(id), nil
}

func completeTask(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	id, err := taskID(raw, in)
	if err != nil {
		return "", nil, err
	}
	t, err := s.CompleteTask(ctx, userID, id, false)
	if err != nil {
		return "", nil, err
	}
	return "Completed " + describeTask(t), t, nil
}

// deleted is delete_task's result.
type deleted struct {
	TaskID  int64 `json:"task_id"`
	Deleted bool  `json:"deleted"`
}

func deleteTask(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	id, err := taskID(raw, in)
	if err != nil {
		return "", nil, err
	}
	if err := s.DeleteTask(ctx, userID, id); err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("Deleted task %d.", id), deleted{TaskID: id, Deleted: true}, nil
}

// listTasks hands its arguments to todo.ParseTaskQuery as the query string GET /tasks
// would carry, so filters are checked by one parser; its errors already name the argument.
func listTasks(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	str := map[string]*string{}
	var tags []string
	var limit *wholeNumber
	dst := map[string]any{"tags": &tags, "limit": &limit}
	for _, name := range []string{"status", "priority", "due_before", "due_after", "search", "sort", "order", "cursor"} {
		v := new(string)
		str[name], dst[name] = v, v
	}
	if err := decodeArgs(raw, in, dst); err != nil {
		return "", nil, err
	}
	v := url.Values{}
	for name, val := range str {
		if *val != "" {
			v.Set(name, *val)
		}
	}
	if len(tags) > 0 {
		v.Set("tags", strings.Join(tags, ","))
	}
	if limit != nil {
		v.Set("limit", strconv.FormatInt(int64(*limit), 10))
	}
	q, err := todo.ParseTaskQuery(v)
	if err != nil {
		return "", nil, err
	}
	page, err := s.ListTasks(ctx, userID, q)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	switch page.Count {
	case 0:
		b.WriteString("No tasks match.")
	case 1:
		b.WriteString("1 task:")
	default:
		fmt.Fprintf(&b, "%d tasks:", page.Count)
	}
	for _, t := range page.Tasks {
		b.WriteString("\n- " + describeTask(t))
	}
	if page.NextCursor != nil {
		b.WriteString("\nMore tasks match: call list_tasks again with cursor " + strconv.Quote(*page.NextCursor) + ".")
	}
	return b.String(), page, nil
}

func setReminder(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	var r todo.ReminderInput
	var id wholeNumber
	if err := decodeArgs(raw, in, map[string]any{
		"task_id": &id, "remind_at": &r.RemindAt, "before_due": &r.BeforeDue,
	}); err != nil {
		return "", nil, err
	}
	r.TaskID = int64(id)
	spec, err := r.Spec()
	if err != nil {
		return "", nil, err
	}
	rem, err := s.CreateReminder(ctx, userID, spec)
	if err != nil {
		return "", nil, err
	}
	return "Scheduled " + describeReminder(rem), rem, nil
}

// reminderList is list_reminders' result, shaped as GET /reminders answers.
type reminderList struct {
	Reminders []todo.Reminder `json:"reminders"`
	Count     int             `json:"count"`
}

func listReminders(ctx context.Context, s Store, userID string, in *jsonschema.Schema, raw json.RawMessage) (string, any, error) {
	var status string
	if err := decodeArgs(raw, in, map[string]any{"status": &status}); err != nil {
		return "", nil, err
	}
	filter, err := todo.ParseReminderFilter(url.Values{"status": {status}})
	if err != nil {
		return "", nil, err
	}
	list, err := s.ListReminders(ctx, userID, filter)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	if len(list) == 0 {
		fmt.Fprintf(&b, "No %s reminders.", filter)
	} else {
		fmt.Fprintf(&b, "%d %s reminder(s):", len(list), filter)
	}
	for _, r := range list {
		b.WriteString("\n- " + describeReminder(r))
	}
	return b.String(), reminderList{Reminders: list, Count: len(list)}, nil
}

// describeTask is one line about a task for the text summary: enough for a model to answer
// without reading the structured result.
func describeTask(t todo.Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %d %q (%s priority", t.ID, t.Title, t.Priority)
	if t.DueDate != nil {
		b.WriteString(", due " + t.DueDate.Format(time.RFC3339))
	}
	if t.RecurrencePattern != nil {
		b.WriteString(", repeats " + string(*t.RecurrencePattern))
	}
	if len(t.Tags) > 0 {
		b.WriteString(", tags " + strings.Join(t.TagNames(), " "))
	}
	switch {
	case t.Completed:
		b.WriteString(", completed")
	case t.Overdue:
		b.WriteString(", overdue")
	}
	b.WriteString(")")
	return b.String()
}

func describeReminder(r todo.Reminder) string {
	s := fmt.Sprintf("reminder %d for task %d %q at %s", r.ID, r.TaskID, r.TaskTitle, r.RemindAt.Format(time.RFC3339))
	if r.BeforeDue != nil {
		s += " (" + *r.BeforeDue + " before due)"
	}
	return s + ", " + string(r.Status)
}
