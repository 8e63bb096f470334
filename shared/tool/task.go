package tool

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

// taskInput reads add_task's and update_task's field arguments into the HTTP body's input,
// so the same validation applies. With update, a non-null fields argument limits the
// change to the arguments it names.
func taskInput(c call, update bool) (todo.TaskInput, error) {
	var in todo.TaskInput
	dst := map[string]any{
		"title": &in.Title, "description": &in.Description, "priority": &in.Priority, "due_date": &in.DueDate,
		"recurrence_pattern": &in.RecurrencePattern, "recurrence_end_date": &in.RecurrenceEndDate, "recurrence_day": &in.RecurrenceDay, "tags": &in.Tags,
	}
	for _, name := range taskFieldNames {
		if _, err := c.arg(name, dst[name]); err != nil {
			return in, err
		}
	}
	if !update {
		return in, nil
	}
	var fields []string
	if _, err := c.arg("fields", &fields); err != nil {
		return in, err
	}
	if fields == nil {
		return in, nil
	}
	for _, f := range fields {
		if !slices.Contains(taskFieldNames, f) {
			return in, todo.Errorf(todo.Invalid, "fields", "fields may name %s, not %q", strings.Join(taskFieldNames, ", "), f)
		}
	}
	limited := todo.TaskInput{}
	keep := map[string]func(){
		"title": func() { limited.Title = in.Title }, "description": func() { limited.Description = in.Description },
		"priority": func() { limited.Priority = in.Priority }, "due_date": func() { limited.DueDate = in.DueDate },
		"recurrence_pattern":  func() { limited.RecurrencePattern = in.RecurrencePattern },
		"recurrence_end_date": func() { limited.RecurrenceEndDate = in.RecurrenceEndDate },
		"recurrence_day":      func() { limited.RecurrenceDay = in.RecurrenceDay }, "tags": func() { limited.Tags = in.Tags },
	}
	for _, f := range fields {
		keep[f]()
		// A named field that was not sent at all reads as null: the model asked to change
		// it and gave no value.
		if _, sent := c.args[f]; !sent {
			setNull(&limited, f)
		}
	}
	return limited, nil
}

// setNull marks field as sent with the value null.
func setNull(in *todo.TaskInput, field string) {
	switch field {
	case "title":
		in.Title = todo.Null[string]()
	case "description":
		in.Description = todo.Null[string]()
	case "priority":
		in.Priority = todo.Null[string]()
	case "due_date":
		in.DueDate = todo.Null[string]()
	case "recurrence_pattern":
		in.RecurrencePattern = todo.Null[string]()
	case "recurrence_end_date":
		in.RecurrenceEndDate = todo.Null[string]()
	case "recurrence_day":
		in.RecurrenceDay = todo.Null[int]()
	case "tags":
		in.Tags = todo.Null[[]string]()
	}
}

func addTask(ctx context.Context, c call) (Result, error) {
	in, err := taskInput(c, false)
	if err != nil {
		return Result{}, err
	}
	ch, err := in.Changes(true)
	if err != nil {
		return Result{}, err
	}
	t, err := c.store.CreateTask(ctx, c.userID, ch)
	if err != nil {
		return Result{}, err
	}
	return Result{"Created " + DescribeTask(t), t}, nil
}

func updateTask(ctx context.Context, c call) (Result, error) {
	id, err := c.id("task_id")
	if err != nil {
		return Result{}, err
	}
	in, err := taskInput(c, true)
	if err != nil {
		return Result{}, err
	}
	ch, err := in.Changes(false)
	if err != nil {
		return Result{}, err
	}
	t, err := c.store.UpdateTask(ctx, c.userID, id, ch)
	if err != nil {
		return Result{}, err
	}
	return Result{"Updated " + DescribeTask(t), t}, nil
}

func completeTask(ctx context.Context, c call) (Result, error) {
	id, err := c.id("task_id")
	if err != nil {
		return Result{}, err
	}
	t, err := c.store.CompleteTask(ctx, c.userID, id, false)
	if err != nil {
		return Result{}, err
	}
	return Result{"Completed " + DescribeTask(t), t}, nil
}

func reopenTask(ctx context.Context, c call) (Result, error) {
	id, err := c.id("task_id")
	if err != nil {
		return Result{}, err
	}
	t, err := c.store.ReopenTask(ctx, c.userID, id)
	if err != nil {
		return Result{}, err
	}
	return Result{"Reopened " + DescribeTask(t), t}, nil
}

// Deleted is delete_task's and delete_reminder's result.
type Deleted struct {
	TaskID     int64 `json:"task_id,omitempty"`
	ReminderID int64 `json:"reminder_id,omitempty"`
	Deleted    bool  `json:"deleted"`
}

func deleteTask(ctx context.Context, c call) (Result, error) {
	id, err := c.id("task_id")
	if err != nil {
		return Result{}, err
	}
	if err := c.store.DeleteTask(ctx, c.userID, id); err != nil {
		return Result{}, err
	}
	return Result{fmt.Sprintf("Deleted task %d.", id), Deleted{TaskID: id, Deleted: true}}, nil
}

// ToolListLimit is list_tasks' page size when none is asked for: smaller than the API's,
// since a model reads every task it is given (and pays for it in tokens).
const ToolListLimit = 50

// listTasks hands its arguments to todo.ParseTaskQuery as the query string GET /tasks
// would carry, so filters are checked by one parser; its errors already name the argument.
func listTasks(ctx context.Context, c call) (Result, error) {
	v := url.Values{}
	for _, name := range []string{"status", "priority", "due_before", "due_after", "search", "sort", "order", "cursor"} {
		s, err := c.str(name)
		if err != nil {
			return Result{}, err
		}
		if s != "" {
			v.Set(name, s)
		}
	}
	var tags []string
	if _, err := c.arg("tags", &tags); err != nil {
		return Result{}, err
	}
	if len(tags) > 0 {
		v.Set("tags", strings.Join(tags, ","))
	}
	var limit *wholeNumber
	if _, err := c.arg("limit", &limit); err != nil {
		return Result{}, err
	}
	n := int64(ToolListLimit)
	if limit != nil {
		n = int64(*limit)
	}
	v.Set("limit", strconv.FormatInt(n, 10))
	q, err := todo.ParseTaskQuery(v)
	if err != nil {
		return Result{}, err
	}
	page, err := c.store.ListTasks(ctx, c.userID, q)
	if err != nil {
		return Result{}, err
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
		b.WriteString("\n- " + DescribeTask(t))
	}
	if page.NextCursor != nil {
		b.WriteString("\nMore tasks match: call list_tasks again with cursor " + strconv.Quote(*page.NextCursor) + ".")
	}
	return Result{b.String(), page}, nil
}

// DescribeTask is one line about a task for a text summary: enough for a model, or a
// person reading a chat answer, to know which task it is without the structured result.
func DescribeTask(t todo.Task) string {
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
