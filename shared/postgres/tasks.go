package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/recur"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/shared/todo"
)

const taskColumns = `t.id, t.user_id, t.title, t.description, t.completed, t.completed_at, t.due_date,
	t.priority, t.recurrence, t.recurrence_end_date, t.recurrence_anchor, t.spawned_from, t.created_at, t.updated_at`

// taskRow is a task as stored, with the columns clients do not see.
type taskRow struct {
	todo.Task
	anchor *time.Time
}

func scanTask(row pgx.Row) (taskRow, error) { return scanTaskAnd(row) }

// scanTaskAnd is scanTask for a row with more columns after the task's, read into more.
func scanTaskAnd(row pgx.Row, more ...any) (taskRow, error) {
	var r taskRow
	var rec *string
	err := row.Scan(append([]any{&r.ID, &r.UserID, &r.Title, &r.Description, &r.Completed, &r.CompletedAt, &r.DueDate,
		&r.Priority, &rec, &r.RecurrenceEndDate, &r.anchor, &r.SpawnedFrom, &r.CreatedAt, &r.UpdatedAt}, more...)...)
	r.scanned(rec)
	r.Tags = []todo.Tag{}
	return r, err
}

// scanned sets what is derived from the columns: the pattern, and a monthly series' day.
func (r *taskRow) scanned(rec *string) {
	r.RecurrencePattern, r.RecurrenceDay = nil, nil
	if rec == nil {
		return
	}
	p := todo.Recurrence(*rec)
	r.RecurrencePattern = &p
	if p == todo.Monthly && r.anchor != nil {
		d := r.anchor.Day()
		r.RecurrenceDay = &d
	}
}

// lockTask loads the user's task for update, without its tags (lockTaskWithTags); another
// user's task is not found.
func lockTask(t *tx, id int64) (taskRow, error) {
	r, err := scanTask(t.QueryRow(t.ctx, lockTaskSQL, id, t.userID))
	return r, lockError(err, id)
}

const lockTaskSQL = `SELECT ` + taskColumns + ` FROM tasks t WHERE t.id = $1 AND t.user_id = $2 FOR UPDATE`

// lockError is the answer to a failed lockTaskSQL: another user's task, or none, is not found.
func lockError(err error, id int64) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return todo.NotFoundf("task", id)
	}
	if err != nil {
		return fmt.Errorf("loading task %d: %w", id, err)
	}
	return nil
}

// lockTaskWithTags is lockTask for the writes that answer with the task or compare its
// tags.
func lockTaskWithTags(t *tx, id int64) (taskRow, error) {
	// One round trip: the tags are read right after the lock, in the same pipeline.
	var r taskRow
	var lockErr error
	var tags map[int64][]todo.Tag
	b := &pgx.Batch{}
	b.Queue(lockTaskSQL, id, t.userID).QueryRow(func(row pgx.Row) error {
		r, lockErr = scanTask(row)
		return nil
	})
	b.Queue(tagsOfTasksSQL, []int64{id}).Query(func(rows pgx.Rows) (err error) {
		tags, err = collectTags(rows, []int64{id})
		return err
	})
	err := t.SendBatch(t.ctx, b).Close()
	if lockErr != nil {
		return r, lockError(lockErr, id)
	}
	if err != nil {
		return r, fmt.Errorf("loading task %d: %w", id, err)
	}
	r.Tags = tags[id]
	return r, nil
}

// GetTask returns one of the user's tasks.
func (s *Store) GetTask(ctx context.Context, userID string, id int64) (todo.Task, error) {
	r, err := scanTask(s.pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM tasks t WHERE t.id = $1 AND t.user_id = $2`, id, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return todo.Task{}, todo.NotFoundf("task", id)
	}
	if err != nil {
		return todo.Task{}, fmt.Errorf("loading task %d: %w", id, err)
	}
	if r.Tags, err = tagsOf(ctx, s.pool, id); err != nil {
		return todo.Task{}, err
	}
	r.ComputeOverdue(s.now())
	return r.Task, nil
}

// CreateTask validates and inserts a task with its tags and emits task.created.
func (s *Store) CreateTask(ctx context.Context, userID string, c todo.TaskChanges) (todo.Task, error) {
	if !c.Zoned() && len(c.TagIDs) == 0 && len(c.TagNames) == 0 {
		return s.createPlain(ctx, userID, c)
	}
	var out todo.Task
	err := s.inTx(ctx, userID, func(t *tx) error {
		// The user's zone matters only to a recurring task (its anchor, a day-long end) and
		// to times sent without a zone; most creates skip the lookup.
		u := UserInfo{Location: time.UTC}
		if c.Zoned() {
			var err error
			if u, err = userInfo(ctx, t, userID); err != nil {
				return err
			}
			c = c.In(u.Location)
		}
		r := plainRow(c)
		if c.Recurrence.Set && !c.Recurrence.Null {
			r.RecurrencePattern = &c.Recurrence.Value
		}
		if c.RecurrenceEnd.Set && !c.RecurrenceEnd.Null {
			end := c.RecurrenceEnd.Value.In(u.Location)
			r.RecurrenceEndDate = &end
		}
		if err := todo.CheckRecurrence(r.DueDate, r.RecurrencePattern, r.RecurrenceEndDate); err != nil {
			return err
		}
		day := 0
		if c.RecurrenceDay.Set && !c.RecurrenceDay.Null {
			day = c.RecurrenceDay.Value
			if err := todo.CheckRecurrenceDay(day, r.DueDate, r.RecurrencePattern, u.Location); err != nil {
				return err
			}
		}
		r.anchor = anchorFor(r.Task, u.Location, day)
		created, err := insertTask(t, r, nil)
		if err != nil {
			return err
		}
		if c.TagsSet {
			if created.Tags, err = setTags(t, created.ID, c.TagIDs, c.TagNames); err != nil {
				return err
			}
		}
		if err := emitCreated(t, created.Task); err != nil {
			return err
		}
		created.ComputeOverdue(t.at)
		out = created.Task
		return nil
	})
	return out, err
}

// createPlainSQL writes a task and its task.created event in one statement: an INSERT into
// tasks and one into outbox that reads the new row, atomic as any single statement. The
// event ($12) is built before the task has an id; the statement writes the row's id into
// its subject and data.task_id.
const createPlainSQL = `WITH t AS (
	INSERT INTO tasks AS t (user_id, title, description, due_date, priority, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $6)
	RETURNING ` + taskColumns + `
), o AS (
	INSERT INTO outbox (event_id, topic, partition_key, event, created_at, leased_until)
	SELECT $7::uuid, $8, $9, jsonb_set(jsonb_set($12::jsonb, '{subject}', to_jsonb($10 || t.id)), $11::text[], to_jsonb(t.id)), $6, $13
	FROM t
	RETURNING id, event::text
)
SELECT t.*, o.id, o.event FROM t, o`

// createPlain is CreateTask for the common create, without tags to resolve or a time that
// needs the user's zone: one round trip (createPlainSQL) instead of four (BEGIN, the task,
// its event, COMMIT), for the same rows and the same event.
func (s *Store) createPlain(ctx context.Context, userID string, c todo.TaskChanges) (out todo.Task, err error) {
	ctx, span := dbSpan(ctx)
	defer func() { telemetry.End(span, err) }()
	at := s.now()
	r := plainRow(c)
	o, err := s.newOutboxRow(ctx, event.TaskCreated, event.TaskSubject(0), userID, at, createdData(r.Task))
	if err != nil {
		return out, err
	}
	var final string
	row := s.pool.QueryRow(ctx, createPlainSQL, userID, r.Title, r.Description, r.DueDate, r.Priority, at,
		o.event.ID(), o.msg.Topic, userID, event.TaskSubjectPrefix,
		[]string{"data", createdIDField}, string(o.msg.Event), o.lease)
	created, err := scanTaskAnd(row, &o.msg.ID, &final)
	if err != nil {
		return out, fmt.Errorf("inserting task: %w", err)
	}
	o.msg.Event = []byte(final) // with the task's id, as the statement wrote it
	s.wrote(ctx, span, o.msg)
	created.ComputeOverdue(at)
	return created.Task, nil
}

// plainRow is the new task of c without what needs the user's zone (recurrence) or tags.
func plainRow(c todo.TaskChanges) taskRow {
	var r taskRow
	r.Title, r.Priority = *c.Title, *c.Priority
	if c.Description != nil {
		r.Description = *c.Description
	}
	if c.DueDate.Set && !c.DueDate.Null {
		r.DueDate = &c.DueDate.Value
	}
	return r
}

// insertTask writes r (its id, timestamps and tags are ignored) and returns it as stored.
func insertTask(t *tx, r taskRow, spawnedFrom *int64) (taskRow, error) {
	var rec *string
	if r.RecurrencePattern != nil {
		s := string(*r.RecurrencePattern)
		rec = &s
	}
	created, err := scanTask(t.QueryRow(t.ctx, `
		INSERT INTO tasks AS t (user_id, title, description, due_date, priority, recurrence, recurrence_end_date,
			recurrence_anchor, spawned_from, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		RETURNING `+taskColumns,
		t.userID, r.Title, r.Description, r.DueDate, r.Priority, rec, r.RecurrenceEndDate, r.anchor, spawnedFrom, t.at))
	if err != nil {
		return created, fmt.Errorf("inserting task: %w", err)
	}
	return created, nil
}

func emitCreated(t *tx, task todo.Task) error {
	return t.emit(event.TaskCreated, event.TaskSubject(task.ID), createdData(task))
}

// createdIDField is the JSON name of event.TaskCreatedData.TaskID, which createPlainSQL
// fills in.
const createdIDField = "task_id"

func createdData(task todo.Task) event.TaskCreatedData {
	return event.TaskCreatedData{
		TaskID: task.ID, Title: task.Title, Description: task.Description, Priority: task.Priority.String(),
		DueDate: task.DueDate, Tags: task.TagNames(), RecurrencePattern: (*string)(task.RecurrencePattern),
		SpawnedFrom: task.SpawnedFrom,
	}
}

// anchorFor is the wall-clock anchor of a recurring task with a due date, else nil (a
// series without a due date is anchored at completion). A monthly series given a day
// (0: none) keeps that day of the month.
func anchorFor(task todo.Task, loc *time.Location, day int) *time.Time {
	if task.RecurrencePattern == nil || task.DueDate == nil {
		return nil
	}
	a := recur.AnchorOf(*task.DueDate, loc)
	if day > 0 && *task.RecurrencePattern == todo.Monthly {
		a = recur.AnchorOnDay(*task.DueDate, loc, day)
	}
	w := a.Wall()
	return &w
}

// keptDay is the day of the month the updated series keeps (0: the due date's). A day that was sent wins; otherwise a monthly
// series keeps its day when the new due date still falls on it (Mar 31 moved to Apr 30
// stays a "31st" series), and takes the new due date's day when it does not.
func keptDay(cur, next taskRow, c todo.TaskChanges, loc *time.Location) int {
	if c.RecurrenceDay.Set {
		if c.RecurrenceDay.Null {
			return 0
		}
		return c.RecurrenceDay.Value
	}
	if cur.RecurrenceDay != nil && todo.CheckRecurrenceDay(*cur.RecurrenceDay, next.DueDate, next.RecurrencePattern, loc) == nil {
		return *cur.RecurrenceDay
	}
	return 0
}

// UpdateTask applies the changes that were sent and emits task.updated with each changed
// field's before and after. Pending "before due" reminders follow a moved due date.
func (s *Store) UpdateTask(ctx context.Context, userID string, id int64, c todo.TaskChanges) (todo.Task, error) {
	var out todo.Task
	err := s.inTx(ctx, userID, func(t *tx) error {
		cur, err := lockTaskWithTags(t, id)
		if err != nil {
			return err
		}
		u, err := userInfo(ctx, t, userID)
		if err != nil {
			return err
		}
		c = c.In(u.Location)
		next := cur
		changed := map[string]event.Change{}
		note := func(field string, before, after any) { changed[field] = event.Change{Before: before, After: after} }
		if c.Title != nil && *c.Title != cur.Title {
			note("title", cur.Title, *c.Title)
			next.Title = *c.Title
		}
		if c.Description != nil && *c.Description != cur.Description {
			note("description", cur.Description, *c.Description)
			next.Description = *c.Description
		}
		if c.Priority != nil && *c.Priority != cur.Priority {
			note("priority", cur.Priority.String(), c.Priority.String())
			next.Priority = *c.Priority
		}
		if c.DueDate.Set {
			var due *time.Time
			if !c.DueDate.Null {
				due = &c.DueDate.Value
			}
			if !equalTime(due, cur.DueDate) {
				note("due_date", cur.DueDate, due)
				next.DueDate = due
			}
		}
		if c.Recurrence.Set {
			var rec *todo.Recurrence
			if !c.Recurrence.Null {
				rec = &c.Recurrence.Value
			}
			if !equalPtr(rec, cur.RecurrencePattern) {
				note("recurrence_pattern", cur.RecurrencePattern, rec)
				next.RecurrencePattern = rec
			}
			if rec == nil && cur.RecurrenceEndDate != nil && !c.RecurrenceEnd.Set {
				// Clearing the pattern clears its end too.
				note("recurrence_end_date", cur.RecurrenceEndDate, nil)
				next.RecurrenceEndDate = nil
			}
		}
		if c.RecurrenceEnd.Set {
			var end *time.Time
			if !c.RecurrenceEnd.Null {
				e := c.RecurrenceEnd.Value.In(u.Location)
				end = &e
			}
			if !equalTime(end, cur.RecurrenceEndDate) {
				note("recurrence_end_date", cur.RecurrenceEndDate, end)
				next.RecurrenceEndDate = end
			}
		}
		if err := todo.CheckRecurrence(next.DueDate, next.RecurrencePattern, next.RecurrenceEndDate); err != nil {
			return err
		}
		_, dueChanged := changed["due_date"]
		_, recChanged := changed["recurrence_pattern"]
		if dueChanged || recChanged || c.RecurrenceDay.Set {
			day := keptDay(cur, next, c, u.Location)
			if day > 0 {
				if err := todo.CheckRecurrenceDay(day, next.DueDate, next.RecurrencePattern, u.Location); err != nil {
					return err
				}
			}
			next.anchor = anchorFor(next.Task, u.Location, day)
			next.scanned((*string)(next.RecurrencePattern))
			if before, after := cur.RecurrenceDay, next.RecurrenceDay; !equalPtr(before, after) {
				note("recurrence_day", before, after)
			}
		}
		if c.TagsSet {
			before := cur.TagNames()
			if next.Tags, err = setTags(t, id, c.TagIDs, c.TagNames); err != nil {
				return err
			}
			if after := next.TagNames(); !sameNames(before, after) {
				note("tags", before, after)
			}
		}
		if len(changed) == 0 {
			if c.Completed != nil && *c.Completed != cur.Completed {
				if err := applyCompleted(t, &cur, *c.Completed); err != nil {
					return err
				}
			}
			out = cur.Task
			out.ComputeOverdue(t.at)
			return nil
		}
		var rec *string
		if next.RecurrencePattern != nil {
			r := string(*next.RecurrencePattern)
			rec = &r
		}
		err = t.QueryRow(ctx, `UPDATE tasks SET title = $3, description = $4, priority = $5, due_date = $6,
				recurrence = $7, recurrence_end_date = $8, recurrence_anchor = $9, updated_at = $10
			WHERE id = $1 AND user_id = $2 RETURNING updated_at`,
			id, userID, next.Title, next.Description, next.Priority, next.DueDate, rec, next.RecurrenceEndDate,
			next.anchor, t.at).Scan(&next.UpdatedAt)
		if err != nil {
			return fmt.Errorf("updating task %d: %w", id, err)
		}
		if _, moved := changed["due_date"]; moved {
			if err := followDueDate(t, id, next.DueDate); err != nil {
				return err
			}
		}
		if err := t.emit(event.TaskUpdated, event.TaskSubject(id), event.TaskUpdatedData{TaskID: id, ChangedFields: changed}); err != nil {
			return err
		}
		if c.Completed != nil && *c.Completed != next.Completed {
			// After the change: task.completed carries the new due date and recurrence.
			if err := applyCompleted(t, &next, *c.Completed); err != nil {
				return err
			}
		}
		out = next.Task
		out.ComputeOverdue(t.at)
		return nil
	})
	return out, err
}

// followDueDate moves pending "before due" reminders with their task's due date, and
// cancels them when the due date is cleared or the new time has passed.
func followDueDate(t *tx, taskID int64, due *time.Time) error {
	rows, err := t.Query(t.ctx, `SELECT id, before_due_seconds FROM reminders
		WHERE task_id = $1 AND status = 'pending' AND before_due_seconds IS NOT NULL FOR UPDATE`, taskID)
	if err != nil {
		return fmt.Errorf("loading reminders of task %d: %w", taskID, err)
	}
	type rem struct {
		id     int64
		offset int
	}
	rems, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rem, error) {
		var x rem
		return x, r.Scan(&x.id, &x.offset)
	})
	if err != nil {
		return fmt.Errorf("loading reminders of task %d: %w", taskID, err)
	}
	for _, r := range rems {
		if due != nil {
			at := due.Add(-time.Duration(r.offset) * time.Second)
			if at.After(t.at) {
				if _, err := t.Exec(t.ctx, `UPDATE reminders SET remind_at = $2, updated_at = $3 WHERE id = $1`, r.id, at, t.at); err != nil {
					return fmt.Errorf("moving reminder %d: %w", r.id, err)
				}
				continue
			}
		}
		if err := cancelReminder(t, r.id, taskID, event.CancelSystem); err != nil {
			return err
		}
	}
	return nil
}

// CompleteTask marks the task done, cancels its pending reminders and emits
// task.completed. Completing a completed task changes nothing. With toggle (PATCH, as the
// seed's clients do) a completed task is reopened instead.
func (s *Store) CompleteTask(ctx context.Context, userID string, id int64, toggle bool) (todo.Task, error) {
	return s.setCompleted(ctx, userID, id, true, toggle)
}

// ReopenTask marks a completed task as not done and emits task.updated; reopening an open
// task changes nothing. Reminders cancelled by the completion stay cancelled, and a next
// instance already spawned stays.
func (s *Store) ReopenTask(ctx context.Context, userID string, id int64) (todo.Task, error) {
	return s.setCompleted(ctx, userID, id, false, false)
}

// setCompleted moves the task to done (or, with toggle, flips it) or reopens it.
func (s *Store) setCompleted(ctx context.Context, userID string, id int64, done, toggle bool) (todo.Task, error) {
	var out todo.Task
	err := s.inTx(ctx, userID, func(t *tx) error {
		cur, err := lockTaskWithTags(t, id)
		if err != nil {
			return err
		}
		want := done
		if toggle {
			want = !cur.Completed
		}
		if want != cur.Completed {
			if err := applyCompleted(t, &cur, want); err != nil {
				return err
			}
		}
		cur.ComputeOverdue(t.at)
		out = cur.Task
		return nil
	})
	return out, err
}

// applyCompleted completes (done) or reopens the locked task cur and updates it to match:
// completing cancels its pending reminders and emits task.completed, reopening emits
// task.updated. cur must not already be in that state.
func applyCompleted(t *tx, cur *taskRow, done bool) error {
	id := cur.ID
	if !done {
		if _, err := t.Exec(t.ctx, `UPDATE tasks SET completed = false, completed_at = NULL, updated_at = $2 WHERE id = $1`, id, t.at); err != nil {
			return fmt.Errorf("reopening task %d: %w", id, err)
		}
		cur.Completed, cur.CompletedAt, cur.UpdatedAt = false, nil, t.at
		return t.emit(event.TaskUpdated, event.TaskSubject(id), event.TaskUpdatedData{TaskID: id,
			ChangedFields: map[string]event.Change{"completed": {Before: true, After: false}}})
	}
	// One round trip for the task and its reminders.
	var cancelled []int64
	b := &pgx.Batch{}
	b.Queue(`UPDATE tasks SET completed = true, completed_at = $2, updated_at = $2 WHERE id = $1`, id, t.at)
	b.Queue(cancelTaskRemindersSQL, id, t.at, todo.ReminderStatusStrings(todo.OpenReminderStatuses)).Query(func(rows pgx.Rows) (err error) {
		cancelled, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err := t.SendBatch(t.ctx, b).Close(); err != nil {
		return fmt.Errorf("completing task %d: %w", id, err)
	}
	if err := emitCancelled(t, id, cancelled, event.CancelTaskCompleted); err != nil {
		return err
	}
	at := t.at
	cur.Completed, cur.CompletedAt, cur.UpdatedAt = true, &at, t.at
	return t.emit(event.TaskCompleted, event.TaskSubject(id), event.TaskCompletedData{
		TaskID: id, Title: cur.Title, CompletedAt: at, HadRecurrence: cur.RecurrencePattern != nil,
		RecurrencePattern: (*string)(cur.RecurrencePattern), RecurrenceEndDate: cur.RecurrenceEndDate,
		DueDate: cur.DueDate,
	})
}

// DeleteTask removes the task (its reminders and tag links go with it), emitting
// reminder.cancelled for reminders still to be sent, then task.deleted.
func (s *Store) DeleteTask(ctx context.Context, userID string, id int64) error {
	return s.inTx(ctx, userID, func(t *tx) error {
		cur, err := lockTask(t, id)
		if err != nil {
			return err
		}
		if err := cancelTaskReminders(t, id, event.CancelTaskDeleted); err != nil {
			return err
		}
		if _, err := t.Exec(ctx, `DELETE FROM tasks WHERE id = $1`, id); err != nil {
			return fmt.Errorf("deleting task %d: %w", id, err)
		}
		return t.emit(event.TaskDeleted, event.TaskSubject(id), event.TaskDeletedData{TaskID: id, Title: cur.Title})
	})
}

// AddTaskTags links existing tags to the task; RemoveTaskTags unlinks them.
func (s *Store) AddTaskTags(ctx context.Context, userID string, id int64, tagIDs []int64) (todo.Task, error) {
	return s.editTags(ctx, userID, id, func(have []int64) []int64 {
		for _, n := range tagIDs {
			if !slices.Contains(have, n) {
				have = append(have, n)
			}
		}
		return have
	})
}

// RemoveTaskTags unlinks tags from the task; ids it does not carry are ignored.
func (s *Store) RemoveTaskTags(ctx context.Context, userID string, id int64, tagIDs []int64) (todo.Task, error) {
	return s.editTags(ctx, userID, id, func(have []int64) []int64 {
		return slices.DeleteFunc(have, func(n int64) bool { return slices.Contains(tagIDs, n) })
	})
}

func (s *Store) editTags(ctx context.Context, userID string, id int64, edit func([]int64) []int64) (todo.Task, error) {
	var out todo.Task
	err := s.inTx(ctx, userID, func(t *tx) error {
		cur, err := lockTaskWithTags(t, id)
		if err != nil {
			return err
		}
		var have []int64
		for _, g := range cur.Tags {
			have = append(have, g.ID)
		}
		want := edit(slices.Clone(have))
		if err := todo.CheckTagCount(len(want)); err != nil {
			return err
		}
		before := cur.TagNames()
		if cur.Tags, err = setTags(t, id, want, nil); err != nil {
			return err
		}
		if after := cur.TagNames(); !sameNames(before, after) {
			if _, err := t.Exec(ctx, `UPDATE tasks SET updated_at = $2 WHERE id = $1`, id, t.at); err != nil {
				return fmt.Errorf("touching task %d: %w", id, err)
			}
			cur.UpdatedAt = t.at
			if err := t.emit(event.TaskUpdated, event.TaskSubject(id), event.TaskUpdatedData{TaskID: id,
				ChangedFields: map[string]event.Change{"tags": {Before: before, After: after}}}); err != nil {
				return err
			}
		}
		cur.ComputeOverdue(t.at)
		out = cur.Task
		return nil
	})
	return out, err
}

// setTags replaces the task's tags with the given ids (which must be the user's) and names
// (created when missing), and returns them sorted by name.
func setTags(t *tx, taskID int64, ids []int64, names []string) ([]todo.Tag, error) {
	if len(names) > 0 {
		_, err := t.Exec(t.ctx, `INSERT INTO tags (user_id, name, name_key, created_at)
			SELECT $1, n, k, $4 FROM unnest($2::text[], $3::text[]) AS x(n, k)
			ON CONFLICT (user_id, name_key) DO NOTHING`, t.userID, names, tagKeys(names), t.at)
		if err != nil {
			return nil, fmt.Errorf("creating tags: %w", err)
		}
	}
	rows, err := t.Query(t.ctx, `SELECT id FROM tags WHERE user_id = $1 AND (id = ANY($2) OR name_key = ANY($3))`,
		t.userID, ids, tagKeys(names))
	if err != nil {
		return nil, fmt.Errorf("resolving tags: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("resolving tags: %w", err)
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			return nil, todo.Errorf(todo.Unprocessable, "tag_ids", "tag %d not found", id)
		}
	}
	if err := todo.CheckTagCount(len(found)); err != nil {
		return nil, err
	}
	if _, err := t.Exec(t.ctx, `DELETE FROM task_tags WHERE task_id = $1 AND NOT (tag_id = ANY($2))`, taskID, found); err != nil {
		return nil, fmt.Errorf("unlinking tags: %w", err)
	}
	if _, err := t.Exec(t.ctx, `INSERT INTO task_tags (task_id, tag_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, taskID, found); err != nil {
		return nil, fmt.Errorf("linking tags: %w", err)
	}
	return tagsOf(t.ctx, t, taskID)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func tagsOf(ctx context.Context, q querier, taskID int64) ([]todo.Tag, error) {
	m, err := tagsOfTasks(ctx, q, []int64{taskID})
	return m[taskID], err
}

// tagsOfTasks loads the tags of several tasks in one query; every id gets a non-nil slice.
func tagsOfTasks(ctx context.Context, q querier, ids []int64) (map[int64][]todo.Tag, error) {
	rows, err := q.Query(ctx, tagsOfTasksSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("loading tags: %w", err)
	}
	return collectTags(rows, ids)
}

const tagsOfTasksSQL = `SELECT tt.task_id, g.id, g.name, g.color, g.created_at
	FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
	WHERE tt.task_id = ANY($1) ORDER BY g.name_key`

// collectTags reads the rows of tagsOfTasksSQL; every id gets a non-nil slice.
func collectTags(rows pgx.Rows, ids []int64) (map[int64][]todo.Tag, error) {
	defer rows.Close()
	out := make(map[int64][]todo.Tag, len(ids))
	for _, id := range ids {
		out[id] = []todo.Tag{}
	}
	for rows.Next() {
		var taskID int64
		var g todo.Tag
		if err := rows.Scan(&taskID, &g.ID, &g.Name, &g.Color, &g.CreatedAt); err != nil {
			return nil, fmt.Errorf("loading tags: %w", err)
		}
		out[taskID] = append(out[taskID], g)
	}
	return out, rows.Err()
}

// tagKeys are the names' todo.TagKey: the tags.name_key column they are unique by.
func tagKeys(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = todo.TagKey(n)
	}
	return out
}

func sameNames(a, b []string) bool { return slices.Equal(a, b) }

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
