package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// Toolbox runs the registry's tools for one user during one turn, whoever asks (the model
// or the built-in assistant), and keeps what happened: the results the answer reports and
// the destructive calls held back for the user's confirmation. The user is the token's;
// nothing a model writes can change it.
type Toolbox struct {
	store  tool.Store
	userID string
	loc    *time.Location // the user's zone, for the words of a confirmation
	log    *slog.Logger
	// onCall is told of every call as it completes (streaming).
	onCall func(todo.ToolCallResult)

	calls   []todo.ToolCallResult
	pending []todo.PendingCall
}

func newToolbox(s tool.Store, userID string, log *slog.Logger, onCall func(todo.ToolCallResult)) *Toolbox {
	if onCall == nil {
		onCall = func(todo.ToolCallResult) {}
	}
	return &Toolbox{store: s, userID: userID, log: log, onCall: onCall, calls: []todo.ToolCallResult{}, loc: time.UTC}
}

// Call runs one tool call. A destructive one (delete) does not run: it is held until the
// user confirms, and the result says so. The returned text is what a model reads back.
func (b *Toolbox) Call(ctx context.Context, name string, args json.RawMessage) (todo.ToolCallResult, string) {
	t, ok := tool.Lookup(name)
	if !ok {
		r := b.failed(name, todo.Errorf(todo.Invalid, "", "there is no tool %q; the tools are %s", name, toolNames()))
		return r, errorText(r)
	}
	if t.Destructive {
		return b.hold(ctx, t, args)
	}
	return b.run(ctx, t, args)
}

// Lookup runs a read-only tool without reporting it as one of the turn's actions: the
// built-in assistant finding which task a message names.
func (b *Toolbox) Lookup(ctx context.Context, name string, args json.RawMessage) (any, error) {
	t, ok := tool.Lookup(name)
	if !ok || !t.ReadOnly {
		return nil, fmt.Errorf("%s is not a read-only tool", name)
	}
	res, err := t.Call(ctx, b.store, b.userID, args)
	if err != nil {
		if _, internal := tool.ErrorOf(err); internal {
			b.log.ErrorContext(ctx, "looking up tasks", "tool", name, "user_id", b.userID, "err", err)
		}
		return nil, err
	}
	return res.Value, nil
}

// Confirmed runs calls the user has just confirmed.
func (b *Toolbox) Confirmed(ctx context.Context, calls []todo.PendingCall) {
	for _, c := range calls {
		if t, ok := tool.Lookup(c.Tool); ok {
			b.run(ctx, t, c.Args)
		}
	}
}

func (b *Toolbox) run(ctx context.Context, t tool.Tool, args json.RawMessage) (todo.ToolCallResult, string) {
	res, err := t.Call(ctx, b.store, b.userID, args)
	if err != nil {
		e, internal := tool.ErrorOf(err)
		if internal {
			b.log.ErrorContext(ctx, "tool failed", "tool", t.Name, "user_id", b.userID, "err", err)
		}
		r := b.failed(t.Name, e)
		return r, errorText(r)
	}
	raw, err := json.Marshal(res.Value)
	if err != nil {
		raw = nil
	}
	r := todo.ToolCallResult{Tool: t.Name, Success: true, Result: raw, Summary: res.Summary}
	b.record(r)
	return r, res.Summary
}

func (b *Toolbox) failed(name string, e *todo.Error) todo.ToolCallResult {
	msg := e.Message
	r := todo.ToolCallResult{Tool: name, Success: false, Error: &msg}
	b.record(r)
	return r
}

func (b *Toolbox) record(r todo.ToolCallResult) {
	b.calls = append(b.calls, r)
	b.onCall(r)
}

// hold checks a destructive call (its arguments and that its target is the user's) and
// keeps it for the user's confirmation instead of running it.
func (b *Toolbox) hold(ctx context.Context, t tool.Tool, args json.RawMessage) (todo.ToolCallResult, string) {
	what, target, err := b.describe(ctx, t, args)
	if err != nil {
		e, internal := tool.ErrorOf(err)
		if internal {
			b.log.ErrorContext(ctx, "checking a call to confirm", "tool", t.Name, "user_id", b.userID, "err", err)
		}
		r := b.failed(t.Name, e)
		return r, errorText(r)
	}
	for _, p := range b.pending {
		if p.What == what {
			r := todo.ToolCallResult{Tool: t.Name, Result: target, ConfirmationRequired: true, Error: ptr("already waiting for the user to confirm: " + what)}
			return r, "Already asked the user to confirm: " + what + ". Ask once, then stop."
		}
	}
	b.pending = append(b.pending, todo.PendingCall{Tool: t.Name, Args: args, What: what})
	msg := "not done yet: the user must confirm first (" + what + ")"
	r := todo.ToolCallResult{Tool: t.Name, Success: false, Result: target, Error: &msg, ConfirmationRequired: true}
	b.record(r)
	return r, "Not done: " + what + " needs the user's confirmation. Ask the user to reply yes to confirm or no to keep it; " +
		"it runs only when they say yes in their next message."
}

// describe names what a destructive call would do, in words a user can confirm, and
// checks that its target exists and is the user's.
func (b *Toolbox) describe(ctx context.Context, t tool.Tool, args json.RawMessage) (string, json.RawMessage, error) {
	var a struct {
		TaskID     int64 `json:"task_id"`
		ReminderID int64 `json:"reminder_id"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return "", nil, todo.Errorf(todo.Invalid, "", "the arguments must be a JSON object")
	}
	switch t.Name {
	case tool.DeleteTask:
		if a.TaskID <= 0 {
			return "", nil, todo.Errorf(todo.Invalid, "task_id", "task_id is required")
		}
		task, err := b.store.GetTask(ctx, b.userID, a.TaskID)
		if err != nil {
			return "", nil, err
		}
		target, _ := json.Marshal(map[string]any{"task_id": task.ID, "title": task.Title})
		return fmt.Sprintf("delete task %d %q", task.ID, task.Title), target, nil
	case tool.DeleteReminder:
		if a.ReminderID <= 0 {
			return "", nil, todo.Errorf(todo.Invalid, "reminder_id", "reminder_id is required")
		}
		list, err := b.store.ListReminders(ctx, b.userID, "all")
		if err != nil {
			return "", nil, err
		}
		for _, r := range list {
			if r.ID == a.ReminderID {
				target, _ := json.Marshal(map[string]any{"reminder_id": r.ID, "task_id": r.TaskID})
				return fmt.Sprintf("delete the reminder for task %d %q at %s", r.TaskID, r.TaskTitle, r.RemindAt.In(b.loc).Format("Mon 2 Jan 15:04 MST")), target, nil
			}
		}
		return "", nil, todo.NotFoundf("reminder", a.ReminderID)
	}
	return t.Name, nil, nil
}

func errorText(r todo.ToolCallResult) string {
	b, _ := json.Marshal(map[string]any{"error": r.Error})
	return string(b)
}

func toolNames() string {
	var names []string
	for _, t := range tool.All() {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

func ptr[T any](v T) *T { return &v }
