package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/todo"
)

// CalDAVObject is a task as the CalDAV server serves it: the task, its pending reminders,
// and the resource name, UID and raw iCalendar text a client gave it (empty for a task
// made elsewhere: it is task-<id>.ics).
type CalDAVObject struct {
	Task      todo.Task
	Reminders []CalDAVReminder
	Name      string
	UID       string
	Raw       string
}

// CalDAVReminder is a pending reminder: an offset before due, or an instant.
type CalDAVReminder struct {
	ID        int64
	RemindAt  time.Time
	BeforeDue *time.Duration
}

// CalDAVName is the resource name of a task made outside CalDAV.
func CalDAVName(taskID int64) string { return "task-" + strconv.FormatInt(taskID, 10) + ".ics" }

// calDAVTaskOf reads the task id out of a CalDAVName.
func calDAVTaskOf(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "task-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".ics")
	id, err := strconv.ParseInt(s, 10, 64)
	return id, ok && err == nil && id > 0
}

// CalDAVObjects returns the user's tasks as CalDAV objects: all of them, or those changed
// after since (when not zero).
func (s *Store) CalDAVObjects(ctx context.Context, userID string, since time.Time) ([]CalDAVObject, error) {
	var rows pgx.Rows
	var err error
	q := `SELECT ` + taskColumns + `, COALESCE(o.name, ''), COALESCE(o.uid, ''), COALESCE(o.raw, '')
		FROM tasks t LEFT JOIN caldav_objects o ON o.task_id = t.id WHERE t.user_id = $1`
	if since.IsZero() {
		rows, err = s.pool.Query(ctx, q+` ORDER BY t.id`, userID)
	} else {
		rows, err = s.pool.Query(ctx, q+` AND (t.updated_at > $2 OR EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id AND r.updated_at > $2))
			ORDER BY t.id`, userID, since)
	}
	if err != nil {
		return nil, fmt.Errorf("listing CalDAV objects: %w", err)
	}
	return s.collectObjects(ctx, rows)
}

// CalDAVObjectByName returns the user's object with that resource name; another user's is
// not found.
func (s *Store) CalDAVObjectByName(ctx context.Context, userID, name string) (CalDAVObject, error) {
	q := `SELECT ` + taskColumns + `, COALESCE(o.name, ''), COALESCE(o.uid, ''), COALESCE(o.raw, '')
		FROM tasks t LEFT JOIN caldav_objects o ON o.task_id = t.id WHERE t.user_id = $1 AND `
	var rows pgx.Rows
	var err error
	if id, ok := calDAVTaskOf(name); ok {
		rows, err = s.pool.Query(ctx, q+`(o.name = $2 OR (t.id = $3 AND o.name IS NULL))`, userID, name, id)
	} else {
		rows, err = s.pool.Query(ctx, q+`o.name = $2`, userID, name)
	}
	if err != nil {
		return CalDAVObject{}, fmt.Errorf("loading CalDAV object %s: %w", name, err)
	}
	objs, err := s.collectObjects(ctx, rows)
	if err != nil {
		return CalDAVObject{}, err
	}
	if len(objs) == 0 {
		return CalDAVObject{}, todo.Errorf(todo.NotFound, "name", "%s not found", name)
	}
	return objs[0], nil
}

// CalDAVNameOfUID returns the resource name of the user's object with that UID, or "".
func (s *Store) CalDAVNameOfUID(ctx context.Context, userID, uid string) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT name FROM caldav_objects WHERE user_id = $1 AND uid = $2`, userID, uid).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return name, err
}

func (s *Store) collectObjects(ctx context.Context, rows pgx.Rows) ([]CalDAVObject, error) {
	var out []CalDAVObject
	var ids []int64
	for rows.Next() {
		var r taskRow
		var rec *string
		var o CalDAVObject
		if err := rows.Scan(&r.ID, &r.UserID, &r.Title, &r.Description, &r.Completed, &r.CompletedAt, &r.DueDate,
			&r.Priority, &rec, &r.RecurrenceEndDate, &r.anchor, &r.SpawnedFrom, &r.CreatedAt, &r.UpdatedAt,
			&o.Name, &o.UID, &o.Raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("listing CalDAV objects: %w", err)
		}
		r.scanned(rec)
		r.ComputeOverdue(s.now())
		o.Task = r.Task
		if o.Name == "" {
			o.Name = CalDAVName(r.ID)
		}
		out = append(out, o)
		ids = append(ids, r.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing CalDAV objects: %w", err)
	}
	if len(ids) == 0 {
		return out, nil
	}
	tags, err := tagsOfTasks(ctx, s.pool, ids)
	if err != nil {
		return nil, err
	}
	rrows, err := s.pool.Query(ctx, `SELECT id, task_id, remind_at, before_due_seconds FROM reminders
		WHERE task_id = ANY($1) AND status IN ('pending', 'triggered', 'retrying') ORDER BY remind_at, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("loading reminders: %w", err)
	}
	rems := map[int64][]CalDAVReminder{}
	for rrows.Next() {
		var rm CalDAVReminder
		var task int64
		var secs *int
		if err := rrows.Scan(&rm.ID, &task, &rm.RemindAt, &secs); err != nil {
			rrows.Close()
			return nil, fmt.Errorf("loading reminders: %w", err)
		}
		if secs != nil {
			d := time.Duration(*secs) * time.Second
			rm.BeforeDue = &d
		}
		rems[task] = append(rems[task], rm)
	}
	if err := rrows.Err(); err != nil {
		return nil, fmt.Errorf("loading reminders: %w", err)
	}
	for i := range out {
		out[i].Task.Tags = tags[out[i].Task.ID]
		out[i].Reminders = rems[out[i].Task.ID]
	}
	return out, nil
}

// CalDAVDeleted returns the names of the user's objects deleted after since.
func (s *Store) CalDAVDeleted(ctx context.Context, userID string, since time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT name FROM caldav_tombstones WHERE user_id = $1 AND deleted_at > $2`, userID, since)
	if err != nil {
		return nil, fmt.Errorf("listing deleted CalDAV objects: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// CalDAVVersion is the state of the user's list a CalDAV client can see (tasks, their
// reminders, deletions): the time of the last change, and a fingerprint that also changes
// when a change commits with an older time than one already seen. The fingerprint is the
// collection's ctag; both make its sync token. They stay the same while nothing changes,
// so polling clients skip a sync.
func (s *Store) CalDAVVersion(ctx context.Context, userID string) (time.Time, string, error) {
	var v time.Time
	var fp string
	err := s.pool.QueryRow(ctx, `WITH
			t AS (SELECT count(*) AS n, max(updated_at) AS at, COALESCE(sum((extract(epoch FROM updated_at) * 1e6)::bigint), 0) AS s
				FROM tasks WHERE user_id = $1),
			r AS (SELECT count(*) AS n, max(updated_at) AS at, COALESCE(sum((extract(epoch FROM updated_at) * 1e6)::bigint), 0) AS s
				FROM reminders WHERE user_id = $1),
			d AS (SELECT count(*) AS n, max(deleted_at) AS at, COALESCE(max(id), 0) AS s FROM caldav_tombstones WHERE user_id = $1)
		SELECT GREATEST(t.at, r.at, d.at, 'epoch'::timestamptz), concat_ws('.', t.n, t.s, r.n, r.s, d.n, d.s)
		FROM t, r, d`, userID).Scan(&v, &fp)
	if err != nil {
		return v, fp, fmt.Errorf("loading the CalDAV version of %s: %w", userID, err)
	}
	return v, fp, nil
}

// SaveCalDAVObject records the resource name, UID and raw text a client PUT for a task.
func (s *Store) SaveCalDAVObject(ctx context.Context, userID string, taskID int64, name, uid, raw string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO caldav_objects (task_id, user_id, name, uid, raw) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (task_id) DO UPDATE SET name = $3, uid = $4, raw = $5`, taskID, userID, name, uid, raw)
	if isUniqueViolation(err, "") {
		return todo.Errorf(todo.Conflict, "uid", "another object already has UID %s", uid)
	}
	if err != nil {
		return fmt.Errorf("saving CalDAV object of task %d: %w", taskID, err)
	}
	return nil
}
