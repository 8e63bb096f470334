package tool

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/taskline/taskline/shared/intent"
	"github.com/taskline/taskline/shared/todo"
)

// MaxQuickAdd bounds the one line quick add reads.
const MaxQuickAdd = 500

// QuickAddResult is quick_add's result: the task, and its reminder if the text asked for
// one.
type QuickAddResult struct {
	Task     todo.Task      `json:"task"`
	Reminder *todo.Reminder `json:"reminder"`
}

// Preview is what quick add understood of a line, before anything is saved: the task's
// fields as add_task takes them, the reminder, a question when the line cannot make a task,
// and which part of the text was read as what.
type Preview struct {
	Task     map[string]any `json:"task"`
	Reminder map[string]any `json:"reminder"`
	Question *string        `json:"question"`
	Spans    []PreviewSpan  `json:"spans"`
}

// PreviewSpan is a part of the text read as one thing. Start and End count UTF-16 code
// units, as JavaScript strings do, so a web page can highlight them directly.
type PreviewSpan struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Kind  string `json:"kind"`
	Text  string `json:"text"`
}

// TaskArgs are add_task's arguments for the fields read from a message: the one mapping
// from what the parser understood to the tools, used by quick add and the built-in
// assistant alike.
func TaskArgs(f intent.Fields) map[string]any {
	args := map[string]any{}
	if f.Title != nil {
		args["title"] = *f.Title
	}
	if f.Due != nil {
		args["due_date"] = f.Due.Format(time.RFC3339)
	}
	if f.ClearDue {
		args["due_date"] = nil
	}
	if f.Priority != nil {
		args["priority"] = f.Priority.String()
	}
	if f.Recurrence != nil {
		args["recurrence_pattern"] = string(*f.Recurrence)
	}
	if f.RecurrenceDay > 0 {
		args["recurrence_day"] = f.RecurrenceDay
	}
	if f.RecurrenceEnd != nil {
		args["recurrence_end_date"] = f.RecurrenceEnd.Format(time.RFC3339)
	}
	if len(f.Tags) > 0 {
		args["tags"] = f.Tags
	}
	return args
}

// ReminderArgs are set_reminder's arguments (without task_id) for a reminder read from a
// message.
func ReminderArgs(r *intent.Reminder) map[string]any {
	if r == nil {
		return nil
	}
	if r.At != nil {
		return map[string]any{"remind_at": r.At.Format(time.RFC3339)}
	}
	return map[string]any{"before_due": todo.FormatOffset(r.Before)}
}

// PreviewOf is what quick add would make of text for a user in loc at now.
func PreviewOf(text string, now time.Time, loc *time.Location) (Preview, intent.Intent, error) {
	if err := checkQuickText(text); err != nil {
		return Preview{}, intent.Intent{}, err
	}
	in := intent.ParseTask(text, now, loc)
	p := Preview{Task: TaskArgs(in.Task), Reminder: ReminderArgs(in.Reminder), Spans: []PreviewSpan{}}
	if in.Question != "" || in.Task.Title == nil {
		q := in.Question
		if q == "" {
			q = intent.AskTitle
		}
		p.Question = &q
	}
	for _, s := range in.Spans {
		p.Spans = append(p.Spans, PreviewSpan{Start: utf16Len(text[:s.Start]), End: utf16Len(text[:s.End]), Kind: s.Kind, Text: text[s.Start:s.End]})
	}
	return p, in, nil
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func checkQuickText(text string) error {
	switch {
	case !utf8.ValidString(text):
		return todo.Errorf(todo.Invalid, "text", "text must be UTF-8")
	case utf8.RuneCountInString(text) > MaxQuickAdd:
		return todo.Errorf(todo.Invalid, "text", "text is %d characters long; the maximum is %d", utf8.RuneCountInString(text), MaxQuickAdd)
	}
	for _, r := range text {
		if r == 0 {
			return todo.Errorf(todo.Invalid, "text", "text must not contain NUL characters")
		}
	}
	return nil
}

// AddFromText creates the task one line of text describes, in the user's zone, with its
// reminder. Nothing is written when the line cannot make a task (the error names "text"
// and asks the question) or when the reminder would be refused.
func AddFromText(ctx context.Context, s Store, userID, text string, now time.Time) (QuickAddResult, error) {
	profile, err := s.Profile(ctx, userID)
	if err != nil {
		return QuickAddResult{}, err
	}
	p, in, err := PreviewOf(text, now, profile.Location())
	if err != nil {
		return QuickAddResult{}, err
	}
	if p.Question != nil {
		return QuickAddResult{}, todo.Errorf(todo.Unprocessable, "text", "%s", *p.Question)
	}
	if err := checkReminder(in, now); err != nil {
		return QuickAddResult{}, err
	}
	args, _ := json.Marshal(p.Task)
	add, _ := Lookup(AddTask)
	res, err := add.Call(ctx, s, userID, args)
	if err != nil {
		return QuickAddResult{}, err
	}
	out := QuickAddResult{Task: res.Value.(todo.Task)}
	if p.Reminder != nil {
		r := map[string]any{"task_id": out.Task.ID}
		for k, v := range p.Reminder {
			r[k] = v
		}
		args, _ := json.Marshal(r)
		set, _ := Lookup(SetReminder)
		rr, err := set.Call(ctx, s, userID, args)
		if err != nil {
			return out, err
		}
		rem := rr.Value.(todo.Reminder)
		out.Reminder = &rem
	}
	return out, nil
}

// checkReminder refuses, before anything is written, a reminder the store would refuse
// after the task exists: one in the past, or before a due date the task does not have.
func checkReminder(in intent.Intent, now time.Time) error {
	r := in.Reminder
	if r == nil {
		return nil
	}
	at := r.At
	if at == nil {
		if in.Task.Due == nil {
			return todo.Errorf(todo.Unprocessable, "text", "a reminder before the due date needs a due date; say when the task is due")
		}
		t := in.Task.Due.Add(-r.Before)
		at = &t
	}
	if !at.After(now) {
		return todo.Errorf(todo.Unprocessable, "text", "the reminder would be in the past (%s)", at.Format(time.RFC3339))
	}
	return nil
}

func quickAdd(ctx context.Context, c call) (Result, error) {
	text, err := c.str("text")
	if err != nil {
		return Result{}, err
	}
	res, err := AddFromText(ctx, c.store, c.userID, text, time.Now())
	if err != nil {
		return Result{}, err
	}
	summary := "Created " + DescribeTask(res.Task)
	if res.Reminder != nil {
		summary += "; " + DescribeReminder(*res.Reminder)
	}
	return Result{summary, res}, nil
}
