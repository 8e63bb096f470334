package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/intent"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// Builtin is the assistant used when no language model is configured. It is a parser, not
// a model: shared/intent reads the message (intents, dates in the user's zone, repetition,
// priority, #tags, reminders) and Builtin turns what it read into the same tool calls a
// model would make. A task named by words must match exactly one task; otherwise it asks
// which one, and never guesses.
type Builtin struct{}

// Reply reads the last message and acts on it.
func (Builtin) Reply(ctx context.Context, t *TurnContext) (Answer, error) {
	text := ""
	if n := len(t.History); n > 0 {
		text = t.History[n-1].Content
	}
	in := intent.Parse(text, t.Now, t.Loc)
	b := builtinTurn{ctx: ctx, t: t, now: t.Now}
	answer := b.act(in)
	t.Delta(answer)
	return Answer{Text: answer, Rounds: 1}, nil
}

type builtinTurn struct {
	ctx context.Context
	t   *TurnContext
	now time.Time
}

func (b builtinTurn) act(in intent.Intent) string {
	switch in.Kind {
	case intent.Help:
		return helpText
	case intent.Unknown:
		if in.Question != "" {
			return in.Question
		}
		return intent.AskWhat
	case intent.Add:
		if in.Question != "" {
			return in.Question
		}
		return b.add(in)
	case intent.List, intent.Search:
		return b.list(in)
	}
	// The rest act on one existing task.
	if in.Ref == nil {
		if in.Question != "" {
			return in.Question
		}
		return intent.AskTask
	}
	if in.Question != "" && in.Kind != intent.Remind {
		return in.Question
	}
	status := todo.StatusPending
	if in.Kind == intent.Reopen {
		status = todo.StatusCompleted
	}
	task, question := b.resolve(*in.Ref, status)
	if task == nil {
		return question
	}
	switch in.Kind {
	case intent.Complete:
		return b.simple(tool.CompleteTask, task, func(t todo.Task) string {
			s := fmt.Sprintf("Done: %q.", t.Title)
			if t.RecurrencePattern != nil {
				s += fmt.Sprintf(" It repeats %s; the next one will appear in your list.", *t.RecurrencePattern)
			}
			return s
		})
	case intent.Reopen:
		return b.simple(tool.ReopenTask, task, func(t todo.Task) string { return fmt.Sprintf("Reopened %q.", t.Title) })
	case intent.Delete:
		r, _ := b.t.Tools.Call(b.ctx, tool.DeleteTask, args(map[string]any{"task_id": task.ID}))
		if r.ConfirmationRequired {
			return fmt.Sprintf("Delete task %d %q for good? Reply yes to delete it, or no to keep it.", task.ID, task.Title)
		}
		return failedText(r)
	case intent.Update:
		return b.update(task, in.Task)
	case intent.Tag:
		if len(in.Task.Tags) == 0 {
			return intent.AskTag
		}
		return b.update(task, intent.Fields{Tags: mergeNames(task.TagNames(), in.Task.Tags)})
	case intent.Remind:
		return b.remind(task, in.Reminder)
	}
	return intent.AskWhat
}

// resolve finds the task a message names: by id, or by words that match exactly one of the
// user's tasks in status (a title equal to the words wins over partial matches). Otherwise
// it returns the question to ask.
func (b builtinTurn) resolve(ref intent.Ref, status todo.Status) (*todo.Task, string) {
	if ref.ID > 0 {
		task, err := b.t.Tools.store.GetTask(b.ctx, b.t.Tools.userID, ref.ID)
		if err != nil {
			if todo.ErrorCode(err) == todo.NotFound {
				return nil, fmt.Sprintf("I can't find task %d. Say \"show my tasks\" to see their numbers.", ref.ID)
			}
			b.t.Tools.log.ErrorContext(b.ctx, "loading a task for the built-in assistant", "err", err)
			return nil, "Something went wrong on our side. Please try again."
		}
		return &task, ""
	}
	page, err := b.t.Tools.Lookup(b.ctx, tool.ListTasks, args(map[string]any{"search": ref.Title, "status": string(status), "limit": 10}))
	if err != nil {
		return nil, "Something went wrong on our side. Please try again."
	}
	tasks := page.(todo.TaskPage).Tasks
	var exact []todo.Task
	for _, t := range tasks {
		if strings.EqualFold(strings.TrimSpace(t.Title), strings.TrimSpace(ref.Title)) {
			exact = append(exact, t)
		}
	}
	switch {
	case len(exact) == 1:
		return &exact[0], ""
	case len(tasks) == 1:
		return &tasks[0], ""
	case len(tasks) == 0:
		which := "open"
		if status == todo.StatusCompleted {
			which = "completed"
		}
		return nil, fmt.Sprintf("I can't find an %s task matching %q. Say \"show my tasks\" to see them.", which, ref.Title)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Several tasks match %q. Which one? Answer with its number, e.g. \"task %d\":", ref.Title, tasks[0].ID)
	for _, t := range tasks {
		sb.WriteString("\n" + b.line(t))
	}
	return nil, sb.String()
}

// run calls a tool and decodes its result into T; when the call failed, it returns the
// sentence that says so instead.
func run[T any](b builtinTurn, name string, a map[string]any) (T, string, bool) {
	var v T
	r, _ := b.t.Tools.Call(b.ctx, name, args(a))
	if !r.Success {
		return v, failedText(r), false
	}
	json.Unmarshal(r.Result, &v)
	return v, "", true
}

func (b builtinTurn) simple(name string, task *todo.Task, say func(todo.Task) string) string {
	t, failed, ok := run[todo.Task](b, name, map[string]any{"task_id": task.ID})
	if !ok {
		return failed
	}
	return say(t)
}

func (b builtinTurn) add(in intent.Intent) string {
	t, failed, ok := run[todo.Task](b, tool.AddTask, tool.TaskArgs(in.Task))
	if !ok {
		return failed
	}
	s := "Added " + b.describe(t) + "."
	if in.Reminder != nil {
		s += " " + b.remind(&t, in.Reminder)
	}
	return s
}

func (b builtinTurn) update(task *todo.Task, f intent.Fields) string {
	a := tool.TaskArgs(f)
	if len(a) == 0 {
		return intent.AskChange
	}
	a["task_id"] = task.ID
	t, failed, ok := run[todo.Task](b, tool.UpdateTask, a)
	if !ok {
		return failed
	}
	return "Updated: " + b.describe(t) + "."
}

func (b builtinTurn) remind(task *todo.Task, r *intent.Reminder) string {
	a := tool.ReminderArgs(r)
	if a == nil {
		a = map[string]any{} // the default: an hour before it is due
	}
	a["task_id"] = task.ID
	rem, failed, ok := run[todo.Reminder](b, tool.SetReminder, a)
	if !ok {
		return "About the reminder: " + failed
	}
	return fmt.Sprintf("I'll remind you about %q %s.", task.Title, b.when(rem.RemindAt))
}

func (b builtinTurn) list(in intent.Intent) string {
	f := in.Filter
	a := map[string]any{"sort": string(todo.SortDueDate), "limit": 20}
	if f.Status != "" {
		a["status"] = string(f.Status)
	}
	if f.Priority != nil {
		a["priority"] = f.Priority.String()
	}
	if f.DueAfter != nil {
		a["due_after"] = f.DueAfter.Format(time.RFC3339)
	}
	if f.DueBefore != nil {
		a["due_before"] = f.DueBefore.Format(time.RFC3339)
	}
	if len(f.Tags) > 0 {
		a["tags"] = f.Tags
	}
	if f.Search != "" {
		a["search"] = f.Search
	}
	page, failed, ok := run[todo.TaskPage](b, tool.ListTasks, a)
	if !ok {
		return failed
	}
	if page.Count == 0 {
		return "Nothing matches."
	}
	var sb strings.Builder
	if page.Count == 1 {
		sb.WriteString("1 task:")
	} else {
		fmt.Fprintf(&sb, "%d tasks:", page.Count)
	}
	for _, t := range page.Tasks {
		sb.WriteString("\n" + b.line(t))
	}
	if page.NextCursor != nil {
		sb.WriteString("\n…and more; narrow it down or open the list.")
	}
	return sb.String()
}

// line is one task in a list: its number, title and what matters about it.
func (b builtinTurn) line(t todo.Task) string {
	s := fmt.Sprintf("- task %d: %s", t.ID, b.describe(t))
	switch {
	case t.Completed:
		s += " (done)"
	case t.Overdue:
		s += " (overdue)"
	}
	return s
}

// describe names a task the way a person reads it: title, due date in the user's zone,
// priority when not medium, repetition and tags.
func (b builtinTurn) describe(t todo.Task) string {
	parts := []string{fmt.Sprintf("%q", t.Title)}
	if t.DueDate != nil {
		parts = append(parts, "due "+b.when(*t.DueDate))
	}
	if t.Priority != todo.Medium {
		parts = append(parts, t.Priority.String()+" priority")
	}
	if t.RecurrencePattern != nil {
		rep := "repeats " + string(*t.RecurrencePattern)
		if t.RecurrenceEndDate != nil {
			rep += " until " + t.RecurrenceEndDate.In(b.t.Loc).Format("Mon 2 Jan 2006")
		}
		parts = append(parts, rep)
	}
	for _, g := range t.Tags {
		parts = append(parts, "#"+g.Name)
	}
	return strings.Join(parts, ", ")
}

// when writes an instant in the user's zone relative to today: "today at 18:00",
// "tomorrow at 09:00", "Fri 4 Dec at 15:00", with the year when it is not this year.
func (b builtinTurn) when(t time.Time) string {
	lt, now := t.In(b.t.Loc), b.now.In(b.t.Loc)
	y1, m1, d1 := lt.Date()
	day := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	y0, m0, d0 := now.Date()
	today := time.Date(y0, m0, d0, 0, 0, 0, 0, time.UTC)
	var d string
	switch int(day.Sub(today).Hours() / 24) {
	case 0:
		d = "today"
	case 1:
		d = "tomorrow"
	case -1:
		d = "yesterday"
	default:
		d = lt.Format("Mon 2 Jan")
		if y1 != y0 {
			d += lt.Format(" 2006")
		}
	}
	return d + " at " + lt.Format("15:04")
}

func args(m map[string]any) json.RawMessage {
	b, _ := json.Marshal(m)
	return b
}

func failedText(r todo.ToolCallResult) string {
	if r.Error != nil {
		return "I couldn't do that: " + *r.Error
	}
	return "I couldn't do that."
}

// mergeNames adds names to have, ignoring case.
func mergeNames(have, add []string) []string {
	out := append([]string(nil), have...)
	for _, n := range add {
		found := false
		for _, h := range out {
			if strings.EqualFold(h, n) {
				found = true
			}
		}
		if !found {
			out = append(out, n)
		}
	}
	return out
}

// helpText is the built-in assistant's own description: honest that it is a parser.
var helpText = `I'm Taskline's built-in assistant: a parser that understands short commands, not a language model (set OPENAI_BASE_URL or OPENAI_API_KEY for one). Things I understand:
- add a task: "call mom tomorrow at 6pm #family", "pay rent every month on the 1st p1", "dentist friday 3pm remind me 30 minutes before"
- see tasks: "what is due this week?", "what's overdue", "list high priority tasks tagged work", "find dentist"
- change one: "done with task 3", "reopen task 3", "rename task 3 to buy oat milk", "move dentist to friday 3pm", "make task 2 high priority", "tag task 3 #work"
- reminders: "remind me about task 3 30 minutes before"
- delete: "delete task 5" (I ask before deleting)
Refer to a task by its number (task 3) or by words of its title.`
