// Package spawn is the spawn-next-occurrence function: on task.completed for a recurring
// task it creates the next instance (the rules in package recur) and emits
// recurring.task.created and task.created. Exactly one successor per completed instance,
// however often the event is delivered.
package spawn

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/shared/todo"
)

// Name is the function id: Dapr app id, consumer group and processed_events consumer.
const Name = "spawn-next-occurrence"

// Store is what the function needs of the store.
type Store interface {
	SpawnNextOccurrence(ctx context.Context, consumer, eventID, userID string, taskID int64) (*todo.Task, string, error)
}

// Function handles task events.
type Function struct {
	store Store
	log   *slog.Logger
}

// New builds the function.
func New(d *runtime.Deps) *Function { return &Function{store: d.Store, log: d.Log} }

// Build describes the function to the runtime's adapters (runtime.EventMain).
func Build(d *runtime.Deps) (runtime.EventFunction, error) { return New(d).EventFunction(), nil }

// EventFunction is the function as the adapters see it: it consumes task-events and
// dead-letters to dlq.task-events.
func (f *Function) EventFunction() runtime.EventFunction {
	return runtime.EventFunction{Name: Name, Topic: event.TopicTasks, DeadLetterTopic: event.TopicTasksDLQ, Handle: f.Handle}
}

// isType reports whether an event's type is name, allowing a reverse-DNS prefix.
func isType(typ, name string) bool { return typ == name || strings.HasSuffix(typ, "."+name) }

// Handle creates the next instance for a task.completed event; other task events are
// ignored. A payload that cannot be read is malformed (dead-lettered, not retried).
func (f *Function) Handle(ctx context.Context, e cloudevents.Event) (*cloudevents.Event, error) {
	if !isType(e.Type(), event.TaskCompleted) {
		return nil, nil
	}
	var data event.TaskCompletedData
	if err := json.Unmarshal(e.Data(), &data); err != nil {
		return nil, todo.Errorf(todo.Invalid, "data", "task.completed payload: %v", err)
	}
	userID := event.UserID(e)
	switch {
	case data.TaskID <= 0:
		return nil, todo.Errorf(todo.Invalid, "task_id", "task.completed without a task_id")
	case userID == "":
		return nil, todo.Errorf(todo.Invalid, event.ExtUserID, "task.completed without the userid extension")
	case !data.HadRecurrence:
		return nil, nil // most completions: nothing to do, and no need to ask the database
	}
	next, skip, err := f.store.SpawnNextOccurrence(ctx, Name, e.ID(), userID, data.TaskID)
	if err != nil {
		return nil, err
	}
	if next == nil {
		f.log.DebugContext(ctx, "no next occurrence", "event_id", e.ID(), "task_id", data.TaskID, "reason", skip)
		return nil, nil
	}
	telemetry.Spawned.WithLabelValues().Inc()
	f.log.InfoContext(ctx, "next occurrence created", "event_id", e.ID(), "user_id", userID,
		"task_id", data.TaskID, "new_task_id", next.ID, "due_date", next.DueDate)
	return nil, nil
}
