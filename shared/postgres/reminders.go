package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/todo"
)

const reminderColumns = `r.id, r.task_id, t.title, r.remind_at, r.before_due_seconds, r.status, r.sent_at,
	r.attempts, r.last_error, r.created_at`

func scanReminder(row pgx.Row) (todo.Reminder, error) {
	var r todo.Reminder
	var offset *int
	err := row.Scan(&r.ID, &r.TaskID, &r.TaskTitle, &r.RemindAt, &offset, &r.Status, &r.SentAt, &r.Attempts, &r.LastError, &r.CreatedAt)
	if offset != nil {
		s := todo.FormatOffset(time.Duration(*offset) * time.Second)
		r.BeforeDue = &s
	}
	r.Sent = r.Status == todo.ReminderSent
	return r, err
}

// CreateReminder schedules a reminder for one of the user's open tasks, at an instant or at
// an offset before the task's due date, and emits reminder.scheduled.
func (s *Store) CreateReminder(ctx context.Context, userID string, spec todo.ReminderSpec) (todo.Reminder, error) {
	var out todo.Reminder
	err := s.inTx(ctx, userID, func(t *tx) error {
		task, err := lockTask(t, spec.TaskID)
		if todo.ErrorCode(err) == todo.NotFound {
			return todo.Errorf(todo.NotFound, "task_id", "task %d not found", spec.TaskID)
		}
		if err != nil {
			return err
		}
		if task.Completed {
			return todo.Errorf(todo.Unprocessable, "task_id", "task %d is completed; reopen it to set a reminder", spec.TaskID)
		}
		if spec.AtLocal != nil {
			u, err := userInfo(ctx, t, userID)
			if err != nil {
				return err
			}
			spec = spec.In(u.Location)
		}
		var at time.Time
		var offset *int
		switch {
		case spec.At != nil:
			at = *spec.At
			if !at.After(t.at) {
				return todo.Errorf(todo.Unprocessable, "remind_at", "remind_at must be in the future")
			}
		case task.DueDate == nil:
			return todo.Errorf(todo.Unprocessable, "before_due", "task %d has no due date; give remind_at instead", spec.TaskID)
		default:
			at = task.DueDate.Add(-spec.BeforeDue)
			secs := int(spec.BeforeDue / time.Second)
			offset = &secs
			if !at.After(t.at) {
				return todo.Errorf(todo.Unprocessable, "before_due", "%s before the due date has already passed", todo.FormatOffset(spec.BeforeDue))
			}
		}
		id, err := insertReminder(t, task.Task, at, offset)
		if err != nil {
			return err
		}
		if out, err = scanReminder(t.QueryRow(ctx, `SELECT `+reminderColumns+` FROM reminders r JOIN tasks t ON t.id = r.task_id WHERE r.id = $1`, id)); err != nil {
			return fmt.Errorf("loading reminder %d: %w", id, err)
		}
		return nil
	})
	return out, err
}

// insertReminder schedules a pending reminder of task at at (offset: seconds before due for
// a relative one) and emits reminder.scheduled.
func insertReminder(t *tx, task todo.Task, at time.Time, offset *int) (int64, error) {
	var id int64
	err := t.QueryRow(t.ctx, `INSERT INTO reminders (task_id, user_id, remind_at, before_due_seconds, created_at, updated_at, trace_parent)
		VALUES ($1, $2, $3, $4, $5, $5, NULLIF($6, '')) RETURNING id`, task.ID, t.userID, at, offset, t.at, event.TraceParent(t.ctx)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("scheduling a reminder for task %d: %w", task.ID, err)
	}
	return id, t.emit(event.ReminderScheduled, event.ReminderSubject(id), event.ReminderScheduledData{
		ReminderID: id, TaskID: task.ID, RemindAt: at, TaskTitle: task.Title, TaskDueDate: task.DueDate,
	})
}

// ListReminders returns the user's reminders by time: "pending" (still to be delivered,
// including retries), "sent", "failed", "cancelled" or "all".
func (s *Store) ListReminders(ctx context.Context, userID, status string) ([]todo.Reminder, error) {
	var statuses []string
	switch status {
	case "pending":
		statuses = todo.ReminderStatusStrings(todo.OpenReminderStatuses)
	case "all":
		statuses = todo.ReminderStatusStrings(todo.ReminderStatuses)
	default:
		statuses = []string{status}
	}
	rows, err := s.pool.Query(ctx, `SELECT `+reminderColumns+` FROM reminders r JOIN tasks t ON t.id = r.task_id
		WHERE r.user_id = $1 AND r.status = ANY($2) ORDER BY r.remind_at, r.id LIMIT 1000`, userID, statuses)
	if err != nil {
		return nil, fmt.Errorf("listing reminders: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (todo.Reminder, error) { return scanReminder(r) })
	if err != nil {
		return nil, fmt.Errorf("listing reminders: %w", err)
	}
	if list == nil {
		list = []todo.Reminder{}
	}
	return list, nil
}

// DeleteReminder removes a reminder; one still to be delivered is announced as cancelled.
func (s *Store) DeleteReminder(ctx context.Context, userID string, id int64) error {
	return s.inTx(ctx, userID, func(t *tx) error {
		var taskID int64
		var status todo.ReminderStatus
		err := t.QueryRow(ctx, `DELETE FROM reminders WHERE id = $1 AND user_id = $2 RETURNING task_id, status`, id, userID).Scan(&taskID, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return todo.NotFoundf("reminder", id)
		}
		if err != nil {
			return fmt.Errorf("deleting reminder %d: %w", id, err)
		}
		if status.Open() {
			return t.emit(event.ReminderCancelled, event.ReminderSubject(id), event.ReminderCancelledData{
				ReminderID: id, TaskID: taskID, Reason: event.CancelUser})
		}
		return nil
	})
}

// cancelTaskReminders cancels every reminder of the task still to be delivered.
func cancelTaskReminders(t *tx, taskID int64, reason string) error {
	rows, err := t.Query(t.ctx, cancelTaskRemindersSQL, taskID, t.at, todo.ReminderStatusStrings(todo.OpenReminderStatuses))
	if err != nil {
		return fmt.Errorf("cancelling reminders of task %d: %w", taskID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("cancelling reminders of task %d: %w", taskID, err)
	}
	return emitCancelled(t, taskID, ids, reason)
}

// cancelTaskRemindersSQL cancels a task's ($1) open reminders ($3: their statuses) at $2
// and returns their ids.
const cancelTaskRemindersSQL = `UPDATE reminders SET status = 'cancelled', next_attempt_at = NULL, updated_at = $2
	WHERE task_id = $1 AND status = ANY($3) RETURNING id`

// emitCancelled emits reminder.cancelled for each of a task's cancelled reminders.
func emitCancelled(t *tx, taskID int64, ids []int64, reason string) error {
	for _, id := range ids {
		if err := t.emit(event.ReminderCancelled, event.ReminderSubject(id), event.ReminderCancelledData{
			ReminderID: id, TaskID: taskID, Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

// cancelReminder cancels one reminder and emits reminder.cancelled.
func cancelReminder(t *tx, id, taskID int64, reason string) error {
	if _, err := t.Exec(t.ctx, `UPDATE reminders SET status = 'cancelled', next_attempt_at = NULL, updated_at = $2 WHERE id = $1`, id, t.at); err != nil {
		return fmt.Errorf("cancelling reminder %d: %w", id, err)
	}
	return t.emit(event.ReminderCancelled, event.ReminderSubject(id), event.ReminderCancelledData{
		ReminderID: id, TaskID: taskID, Reason: reason})
}
