package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/recur"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/shared/todo"
)

// This file holds the SQL of the event pipeline: consumers' idempotency (processed_events),
// spawning the next instance of a recurring task, claiming due reminders, recording
// deliveries, and dead letters.

const markProcessedSQL = `INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ($1, $2, $3)
	ON CONFLICT DO NOTHING`

// markProcessed records that consumer handled eventID in this transaction. False means an
// earlier (or concurrent, now committed) delivery already did: the caller must do nothing.
// A concurrent delivery of the same event waits here on the primary key until the first
// one commits or rolls back, which is what makes ten simultaneous deliveries act once.
func markProcessed(t *tx, consumer, eventID string) (bool, error) {
	tag, err := t.Exec(t.ctx, markProcessedSQL, consumer, eventID, t.at)
	if err != nil {
		return false, fmt.Errorf("recording event %s as processed: %w", eventID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Why a consumer did nothing; returned so callers can log it and tests can assert it.
const (
	SkipDuplicate    = "duplicate event"
	SkipTaskGone     = "task no longer exists"
	SkipReopened     = "task is no longer completed"
	SkipNotRecurring = "task does not recur"
	SkipSpawned      = "next instance already exists"
	SkipSeriesEnded  = "series ended"
)

// SpawnNextOccurrence handles task.completed for consumer: it creates the next instance of
// the completed recurring task taskID (the rules in package recur), copying title,
// description, priority, recurrence, tags and relative reminders, and emits
// recurring.task.created, task.created and reminder.scheduled. It returns the new task, or
// nil and the reason nothing was created. A completed instance gets at most one successor:
// the event is recorded in processed_events, the original is locked, and
// tasks.spawned_from is unique.
func (s *Store) SpawnNextOccurrence(ctx context.Context, consumer, eventID, userID string, taskID int64) (*todo.Task, string, error) {
	var out *todo.Task
	var skip string
	err := s.inTx(ctx, userID, func(t *tx) error {
		// One round trip for what decides whether to spawn: the event recorded as processed,
		// the original locked, its successor looked for, and the user's zone. The reads after
		// the first statement are wasted only on a duplicate delivery.
		var first, spawned bool
		var cur taskRow
		var lockErr error
		var u UserInfo
		b := &pgx.Batch{}
		b.Queue(markProcessedSQL, consumer, eventID, t.at).Exec(func(tag pgconn.CommandTag) error {
			first = tag.RowsAffected() == 1
			return nil
		})
		b.Queue(lockTaskSQL, taskID, userID).QueryRow(func(row pgx.Row) error {
			cur, lockErr = scanTask(row)
			return nil
		})
		b.Queue(`SELECT id FROM tasks WHERE spawned_from = $1`, taskID).Query(func(rows pgx.Rows) error {
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			spawned = len(ids) > 0
			return err
		})
		b.Queue(userInfoSQL, userID).QueryRow(func(row pgx.Row) (err error) {
			u, err = scanUserInfo(row, userID)
			return err
		})
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("handling event %s for task %d: %w", eventID, taskID, err)
		}
		if !first {
			skip = SkipDuplicate
			return nil
		}
		err := lockError(lockErr, taskID)
		if todo.ErrorCode(err) == todo.NotFound {
			skip = SkipTaskGone
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case cur.RecurrencePattern == nil:
			skip = SkipNotRecurring
			return nil
		case !cur.Completed || cur.CompletedAt == nil:
			// Reopened before the event arrived: completing it again will spawn.
			skip = SkipReopened
			return nil
		case spawned:
			skip = SkipSpawned
			return nil
		}
		prev := *cur.CompletedAt
		if cur.DueDate != nil {
			prev = *cur.DueDate
		}
		anchor := recur.AnchorOf(prev, u.Location)
		if cur.anchor != nil {
			anchor = recur.AnchorFromWall(*cur.anchor)
		}
		due, ok := recur.Next(*cur.RecurrencePattern, anchor, prev, u.Location, t.at, cur.RecurrenceEndDate)
		if !ok {
			skip = SkipSeriesEnded
			return nil
		}
		if err := todo.CheckInstant("due_date", due); err != nil {
			// A task stored before the bound (e.g. due 9999-12-31) whose next instance falls
			// outside it can never be built: permanent, so the event is dead-lettered at once
			// instead of retried (a retried event holds up its partition for everyone on it).
			return todo.Errorf(todo.Unprocessable, "due_date", "the next instance of task %d would be due %s, outside the accepted range (%s)",
				taskID, due.UTC().Format("2006-01-02"), todo.InstantRange)
		}
		next := cur
		next.DueDate = &due
		w := anchor.Wall()
		next.anchor = &w
		created, err := insertTask(t, next, &taskID)
		if isUniqueViolation(err, "") {
			// Cannot happen while the original is locked; kept as the domain's backstop.
			skip = SkipSpawned
			return nil
		}
		if err != nil {
			return err
		}
		// One round trip for the tags (copied, then read back for the events) and the
		// original's reminder offsets.
		var tags map[int64][]todo.Tag
		var offsets []int
		b = &pgx.Batch{}
		b.Queue(`INSERT INTO task_tags (task_id, tag_id) SELECT $1, tag_id FROM task_tags WHERE task_id = $2`, created.ID, taskID)
		b.Queue(tagsOfTasksSQL, []int64{created.ID}).Query(func(rows pgx.Rows) (err error) {
			tags, err = collectTags(rows, []int64{created.ID})
			return err
		})
		b.Queue(`SELECT DISTINCT before_due_seconds FROM reminders WHERE task_id = $1 AND before_due_seconds IS NOT NULL ORDER BY 1`,
			taskID).Query(func(rows pgx.Rows) (err error) {
			offsets, err = pgx.CollectRows(rows, pgx.RowTo[int])
			return err
		})
		if err := t.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("copying tags and reminders to task %d: %w", created.ID, err)
		}
		created.Tags = tags[created.ID]
		if err := copyRelativeReminders(t, offsets, created.Task); err != nil {
			return err
		}
		if err := t.emit(event.RecurringTaskCreated, event.TaskSubject(created.ID), event.RecurringTaskCreatedData{
			OriginalTaskID: taskID, NewTaskID: created.ID, RecurrencePattern: string(*created.RecurrencePattern), NextDueDate: due,
		}); err != nil {
			return err
		}
		if err := emitCreated(t, created.Task); err != nil {
			return err
		}
		created.ComputeOverdue(t.at)
		out = &created.Task
		return nil
	})
	return out, skip, err
}

// copyRelativeReminders gives the new instance one pending reminder per distinct "before
// due" offset the original had (offsets); absolute reminders belong to their instance and
// stay. An offset that would fire in the past (a 2-day reminder on a daily task) is left
// out.
func copyRelativeReminders(t *tx, offsets []int, to todo.Task) error {
	for _, off := range offsets {
		at := to.DueDate.Add(-time.Duration(off) * time.Second)
		if !at.After(t.at) {
			continue
		}
		if _, err := insertReminder(t, to, at, &off); err != nil {
			return err
		}
	}
	return nil
}

// dueColumns are what the ticker's claim reads of a due reminder; at is the time it fell due.
const dueColumns = `id, task_id, user_id, remind_at, attempts, trace_parent, coalesce(next_attempt_at, remind_at) AS at`

// TickResult counts what one claim did.
type TickResult struct {
	Triggered int // reminder.triggered emitted (first attempts and retries)
	Cancelled int // skipped because their task was completed
}

// StuckAfter is how long a reminder may stay triggered before the ticker triggers it
// again: its event was dead-lettered or lost with a consumer that kept failing. A delivery
// in progress holds a lease (DeliveryLease) the ticker respects, and a delivery that ran
// moved the reminder on (sent, retrying, failed), so a second email cannot come from this
// unless a process died between sending and recording. The due_work view (KEDA) uses the
// same 10 minutes.
const StuckAfter = 10 * time.Minute

// ClaimDueReminders claims up to limit reminders that are due (pending with remind_at
// passed, retrying with next_attempt_at passed, or triggered longer than StuckAfter ago
// without a result), marks them triggered and emits
// reminder.triggered for each, in one transaction. Rows are claimed with FOR UPDATE SKIP
// LOCKED, so replicas ticking at once split the work instead of firing a reminder twice.
// A reminder whose task is completed is cancelled instead (deleted tasks take their
// reminders with them).
func (s *Store) ClaimDueReminders(ctx context.Context, limit int) (TickResult, error) {
	var res TickResult
	err := s.inTx(ctx, "", func(t *tx) error {
		// The due reminders are picked and locked first, then joined to their tasks by
		// primary key: joined before the LIMIT, the planner read the whole tasks table
		// (a hash join) once it held a million rows. They are picked by the three branches
		// of the rule (reminder_is_due, migration 00011), each in the order of its own
		// index (migration 00045), so a claim reads the rows it takes: the rule as one
		// condition read every reminder of every status and sorted the due ones for each
		// claim (392 ms a claim with 100,000 due, 95 ms with none; now 21 ms and 0.1 ms).
		// A branch may lock rows the final LIMIT drops; they wait for the next claim.
		// Planned per call, with the values.
		rows, err := t.Query(ctx, `
			SELECT r.id, r.task_id, r.user_id, r.remind_at, r.attempts, t.title, t.due_date, t.completed, r.trace_parent
			FROM (
				SELECT * FROM (SELECT `+dueColumns+` FROM reminders
					WHERE status = 'pending' AND remind_at <= $1
					ORDER BY remind_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) pending
				UNION ALL
				SELECT * FROM (SELECT `+dueColumns+` FROM reminders
					WHERE status = 'retrying' AND next_attempt_at <= $1
					ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) retrying
				UNION ALL
				SELECT * FROM (SELECT `+dueColumns+` FROM reminders
					WHERE status = 'triggered' AND updated_at <= $1 - $3::interval AND (leased_until IS NULL OR leased_until < $1)
					ORDER BY updated_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) stuck
				ORDER BY at, id LIMIT $2) r
			JOIN tasks t ON t.id = r.task_id
			ORDER BY r.at, r.id`, pgx.QueryExecModeExec, t.at, limit, StuckAfter)
		if err != nil {
			return fmt.Errorf("claiming due reminders: %w", err)
		}
		type due struct {
			id, taskID int64
			userID     string
			remindAt   time.Time
			attempts   int
			title      string
			dueAt      *time.Time
			completed  bool
			trace      *string
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
			var d due
			return d, r.Scan(&d.id, &d.taskID, &d.userID, &d.remindAt, &d.attempts, &d.title, &d.dueAt, &d.completed, &d.trace)
		})
		if err != nil {
			return fmt.Errorf("claiming due reminders: %w", err)
		}
		var fire, cancel []int64
		events := make([]cloudevents.Event, 0, len(list))
		for _, d := range list {
			var e cloudevents.Event
			// The event continues the trace of the request that scheduled the reminder.
			ctx := ctx
			if d.trace != nil {
				ctx = event.WithTraceParent(ctx, *d.trace)
			}
			if d.completed {
				cancel = append(cancel, d.id)
				e, err = event.New(ctx, event.ReminderCancelled, event.ReminderSubject(d.id), d.userID, t.at,
					event.ReminderCancelledData{ReminderID: d.id, TaskID: d.taskID, Reason: event.CancelTaskCompleted})
			} else {
				fire = append(fire, d.id)
				e, err = event.New(ctx, event.ReminderTriggered, event.ReminderSubject(d.id), d.userID, t.at,
					event.ReminderTriggeredData{ReminderID: d.id, TaskID: d.taskID, TaskTitle: d.title, DueAt: d.dueAt,
						Attempt: d.attempts + 1, RemindAt: d.remindAt})
			}
			if err != nil {
				return err
			}
			events = append(events, e)
		}
		if len(fire) > 0 {
			if _, err := t.Exec(ctx, `UPDATE reminders SET status = 'triggered', next_attempt_at = NULL, updated_at = $2
				WHERE id = ANY($1)`, pgx.QueryExecModeExec, fire, t.at); err != nil {
				return fmt.Errorf("marking reminders triggered: %w", err)
			}
		}
		if len(cancel) > 0 {
			if _, err := t.Exec(ctx, `UPDATE reminders SET status = 'cancelled', next_attempt_at = NULL, updated_at = $2
				WHERE id = ANY($1)`, pgx.QueryExecModeExec, cancel, t.at); err != nil {
				return fmt.Errorf("cancelling reminders of completed tasks: %w", err)
			}
		}
		res = TickResult{Triggered: len(fire), Cancelled: len(cancel)}
		t.queue("", events...)
		return nil
	})
	return res, err
}

// NextReminderDue is the earliest time a reminder or a retry falls due, nil when none is
// waiting: the ticker sleeps until then instead of polling blindly.
func (s *Store) NextReminderDue(ctx context.Context) (*time.Time, error) {
	var at *time.Time
	err := s.pool.QueryRow(ctx, `SELECT least(
			(SELECT min(remind_at) FROM reminders WHERE status = 'pending'),
			(SELECT min(next_attempt_at) FROM reminders WHERE status = 'retrying'))`).Scan(&at)
	if err != nil {
		return nil, fmt.Errorf("finding the next due reminder: %w", err)
	}
	return at, nil
}

// ReminderDelivery is what sending one reminder needs to know.
type ReminderDelivery struct {
	ReminderID int64
	TaskID     int64
	TaskTitle  string
	DueAt      *time.Time
	RemindAt   time.Time
	Attempt    int // 1 for the first attempt
	User       UserInfo
}

// DeliveryOutcome is what DeliverReminder did.
type DeliveryOutcome string

// The outcomes.
const (
	DeliverySent      DeliveryOutcome = "sent"
	DeliveryRetrying  DeliveryOutcome = "retrying"
	DeliveryFailed    DeliveryOutcome = "failed" // for good: dead-lettered
	DeliveryDuplicate DeliveryOutcome = "duplicate"
	DeliverySkipped   DeliveryOutcome = "skipped" // cancelled, already handled, stale attempt, gone
)

// ErrNoRecipient is the failure recorded when the user has no email address; retrying
// cannot help, so the reminder fails at once.
var ErrNoRecipient = errors.New("the user has no email address")

// DeliveryLease is how long a delivery in progress owns its reminder: the ticker does not
// re-trigger it meanwhile. It must outlast the SMTP timeout.
var DeliveryLease = 2 * time.Minute

// publicError is a failure with a message fit for the user (mail.Failure).
type publicError interface{ Public() string }

// permanentError is a failure retrying cannot fix (mail.Failure of a 5xx refusal).
type permanentError interface{ Permanent() bool }

// DeliverReminder handles one reminder.triggered event for consumer, lease-then-send: a
// first statement (leaseReminderSQL) records the event as processed, checks under the
// reminder's row lock that this attempt is the one to send, and leases the reminder
// (leased_until); send then runs with no transaction open and no lock held, so completing
// the task or ticking is never blocked by a slow mail server; a second step records the
// outcome (todo.AfterAttempt): sent, emitting reminder.sent (one statement,
// recordSentSQL), or in a short transaction a failure (emitting reminder.failed) retried
// after retryDelays[n-1], or failed for good (a permanent refusal, or retries used up)
// with the triggering event written to the reminders dead letter topic. Redelivered and
// concurrent copies of the event find it in processed_events and send nothing. A crash
// between the two steps leaves the reminder triggered with an expired lease: the ticker
// triggers it again after StuckAfter.
func (s *Store) DeliverReminder(ctx context.Context, consumer string, e cloudevents.Event, reminderID int64, attempt int,
	retryDelays []time.Duration, send func(context.Context, ReminderDelivery) error) (DeliveryOutcome, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// The lease is one statement that commits on its own: its answer must be read even if
	// the caller gives up meanwhile, or a lease taken (and the event marked processed) just
	// as the caller's deadline passed would turn the redelivered event into a duplicate and
	// hold the email until the ticker's StuckAfter.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	d, email, outcome, err := s.leaseReminder(lctx, consumer, e, reminderID, attempt)
	cancel()
	if err != nil || outcome != "" {
		return outcome, err
	}
	if err := ctx.Err(); err != nil {
		// The caller gave up while the lease was taken: give it back, so the redelivered
		// event finds the reminder as it was.
		if _, rerr := s.pool.Exec(context.WithoutCancel(ctx), releaseLeaseSQL, consumer, e.ID(), d.ReminderID); rerr != nil {
			return "", errors.Join(err, fmt.Errorf("giving back the lease of reminder %d: %w", d.ReminderID, rerr))
		}
		return "", err
	}

	var sendErr error
	if email == nil || *email == "" {
		sendErr = ErrNoRecipient
	} else {
		d.User.Email = *email
		sendErr = send(ctx, d)
	}

	// The outcome must be recorded even when the caller's context ended during the send:
	// the email may be out, and only this record keeps it from going out again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for {
		outcome, err = s.recordDelivery(rctx, e, d, sendErr, retryDelays)
		if err == nil || !IsUnavailable(err) || rctx.Err() != nil {
			return outcome, err
		}
		select {
		case <-rctx.Done():
			return outcome, err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// leaseReminderSQL is DeliverReminder's first step as one statement (one round trip
// instead of five: BEGIN, the processed mark, the locked read, the lease, COMMIT): it
// records the event as processed for the consumer ($4, $5) and, only if that is new,
// leases reminder $1 until $2 when it is triggered, $6 is the attempt to send (0: any) and
// no other delivery holds a lease at $3. The UPDATE's row lock makes the check and the
// lease one step, as the locked read did: a concurrent delivery waits for it, then sees
// the lease.
const leaseReminderSQL = `WITH pe AS (
	INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ($4, $5, $3)
	ON CONFLICT DO NOTHING RETURNING 1
), l AS (
	UPDATE reminders r SET leased_until = $2, updated_at = $3
	FROM tasks t, users u
	WHERE r.id = $1 AND t.id = r.task_id AND u.id = r.user_id AND EXISTS (SELECT 1 FROM pe)
	  AND r.status = 'triggered' AND ($6 = 0 OR $6 = r.attempts + 1)
	  AND (r.leased_until IS NULL OR r.leased_until <= $3)
	RETURNING r.id, r.task_id, t.title, t.due_date, r.remind_at, r.attempts, r.user_id, u.email, u.time_zone
)
SELECT EXISTS (SELECT 1 FROM pe), l.* FROM (SELECT) one LEFT JOIN l ON true`

// releaseLeaseSQL undoes leaseReminderSQL: the event ($2) is no longer processed by the
// consumer ($1), and reminder $3 is no longer leased.
const releaseLeaseSQL = `WITH pe AS (DELETE FROM processed_events WHERE consumer = $1 AND event_id = $2)
UPDATE reminders SET leased_until = NULL WHERE id = $3`

// leaseReminder is DeliverReminder's first step: the reminder to send, its user's
// address, or the outcome that ends the delivery here (duplicate, skipped).
func (s *Store) leaseReminder(ctx context.Context, consumer string, e cloudevents.Event, reminderID int64, attempt int) (d ReminderDelivery, email *string, outcome DeliveryOutcome, err error) {
	ctx, span := dbSpan(ctx)
	defer func() { telemetry.End(span, err) }()
	at := s.now()
	var first bool
	var id, taskID, attempts *int64
	var title, userID, tz *string
	var remindAt *time.Time
	if err := s.pool.QueryRow(ctx, leaseReminderSQL, reminderID, at.Add(DeliveryLease), at, consumer, e.ID(), attempt).
		Scan(&first, &id, &taskID, &title, &d.DueAt, &remindAt, &attempts, &userID, &email, &tz); err != nil {
		return d, nil, "", fmt.Errorf("leasing reminder %d: %w", reminderID, err)
	}
	switch {
	case !first:
		return d, nil, DeliveryDuplicate, nil
	case id == nil:
		// Cancelled, sent or failed, an event of an earlier attempt, a lease another
		// delivery holds, or gone with its task: nothing to send.
		return d, nil, DeliverySkipped, nil
	}
	d.ReminderID, d.TaskID, d.TaskTitle, d.RemindAt = *id, *taskID, *title, *remindAt
	d.Attempt = int(*attempts) + 1
	d.User.ID = *userID
	d.User.Location = time.UTC
	if loc, err := time.LoadLocation(*tz); err == nil {
		d.User.Location = loc
	}
	return d, email, "", nil
}

// recordSentSQL records a sent email as one statement (one round trip instead of five):
// reminder $1 becomes sent at $2 if it is still the triggered attempt that was sent ($3
// attempts before it), and only then its reminder.sent event ($4-$7) goes to the outbox.
const recordSentSQL = `WITH r AS (
	UPDATE reminders SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL,
		leased_until = NULL, updated_at = $2
	WHERE id = $1 AND status = 'triggered' AND attempts = $3
	RETURNING id
), o AS (
	INSERT INTO outbox (event_id, topic, partition_key, event, created_at, leased_until)
	SELECT $4::uuid, $5, $6, $7::jsonb, $2, $8 FROM r
	RETURNING id
)
SELECT (SELECT id FROM o)`

// recordSent is recordDelivery for an email that went out.
func (s *Store) recordSent(ctx context.Context, d ReminderDelivery) (outcome DeliveryOutcome, err error) {
	ctx, span := dbSpan(ctx)
	defer func() { telemetry.End(span, err) }()
	at := s.now()
	o, err := s.newOutboxRow(ctx, event.ReminderSent, event.ReminderSubject(d.ReminderID), d.User.ID, at,
		event.ReminderSentData{ReminderID: d.ReminderID, Channel: "email", SentAt: at, Recipient: d.User.Email})
	if err != nil {
		return "", err
	}
	var outboxID *int64
	if err := s.pool.QueryRow(ctx, recordSentSQL, d.ReminderID, at, d.Attempt-1,
		o.event.ID(), o.msg.Topic, o.msg.Key, string(o.msg.Event), o.lease).Scan(&outboxID); err != nil {
		return "", fmt.Errorf("marking reminder %d sent: %w", d.ReminderID, err)
	}
	if outboxID == nil {
		// Cancelled (its task completed) or deleted with its task while the email was on
		// its way: it stays as it is.
		return DeliverySkipped, nil
	}
	o.msg.ID = *outboxID
	s.wrote(ctx, span, o.msg)
	return DeliverySent, nil
}

// recordDelivery is DeliverReminder's second step: recordSent for an email that went out,
// else a transaction that records the failure.
func (s *Store) recordDelivery(ctx context.Context, e cloudevents.Event, d ReminderDelivery, sendErr error, retryDelays []time.Duration) (DeliveryOutcome, error) {
	if sendErr == nil {
		return s.recordSent(ctx, d)
	}
	var outcome DeliveryOutcome
	err := s.inTx(ctx, d.User.ID, func(t *tx) error {
		var status todo.ReminderStatus
		var attempts int
		err := t.QueryRow(ctx, `SELECT status, attempts FROM reminders WHERE id = $1 FOR UPDATE`, d.ReminderID).Scan(&status, &attempts)
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = DeliverySkipped // deleted with its task during the send
			return nil
		}
		if err != nil {
			return fmt.Errorf("loading reminder %d: %w", d.ReminderID, err)
		}
		if status != todo.ReminderTriggered || attempts != d.Attempt-1 {
			// Cancelled (its task completed) while the email was on its way: it stays cancelled.
			outcome = DeliverySkipped
			return nil
		}
		permanent := errors.Is(sendErr, ErrNoRecipient)
		var pe permanentError
		if errors.As(sendErr, &pe) && pe.Permanent() {
			permanent = true
		}
		next := todo.AfterAttempt(d.Attempt, true, permanent, retryDelays, t.at)
		// Users see the public message (no host, address or port of ours); the dead letter,
		// for operators, carries the whole error.
		public := "the email could not be sent"
		var pub publicError
		if errors.Is(sendErr, ErrNoRecipient) {
			public = ErrNoRecipient.Error()
		} else if errors.As(sendErr, &pub) {
			public = pub.Public()
		}
		public = todo.Truncate(public, 1000)
		if _, err := t.Exec(ctx, `UPDATE reminders SET status = $2, attempts = attempts + 1, next_attempt_at = $3,
			last_error = $4, leased_until = NULL, updated_at = $5 WHERE id = $1`,
			d.ReminderID, string(next.Status), next.NextAttemptAt, public, t.at); err != nil {
			return fmt.Errorf("recording the failed delivery of reminder %d: %w", d.ReminderID, err)
		}
		if err := t.emit(event.ReminderFailed, event.ReminderSubject(d.ReminderID), event.ReminderFailedData{
			ReminderID: d.ReminderID, Error: public, RetryCount: next.RetryCount, WillRetry: next.WillRetry, NextRetryAt: next.NextAttemptAt}); err != nil {
			return err
		}
		if next.WillRetry {
			outcome = DeliveryRetrying
			return nil
		}
		outcome = DeliveryFailed
		t.queue(event.TopicRemindersDLQ, DeadLetterEvent(e, event.TopicRemindersDLQ, sendErr.Error()))
		return nil
	})
	return outcome, err
}

// Extension attributes of a dead-lettered event.
const (
	ExtDeadLetterError = "error"      // why it was dead-lettered
	ExtOriginalID      = "originalid" // the id of the event as first published
)

// DeadLetterEvent is e as it goes to a dead letter topic: the same type, source, subject and
// data, with the error and the original id as extensions, and an id derived from the
// original's, so dead-lettering the same event twice writes it once.
func DeadLetterEvent(e cloudevents.Event, topic, reason string) cloudevents.Event {
	d := e.Clone()
	if data := e.Data(); len(data) > 0 && !json.Valid(data) {
		// Data that is not JSON (a binary-mode event with a broken body) is kept as it came,
		// base64 in the structured form (data_base64), so the row stays valid jsonb.
		d.SetData("application/octet-stream", data)
	}
	d.SetID(uuid.NewSHA1(uuid.NameSpaceURL, []byte(topic+"/"+e.ID())).String())
	d.SetExtension(ExtDeadLetterError, todo.Truncate(reason, 1000))
	d.SetExtension(ExtOriginalID, e.ID())
	return d
}

// DeadLetter writes e, with reason, to the outbox for topic (a dead letter topic) so it is
// published like any event; dead-lettering the same event again is a no-op.
func (s *Store) DeadLetter(ctx context.Context, topic string, e cloudevents.Event, reason string) error {
	return s.inTx(ctx, event.UserID(e), func(t *tx) error {
		t.queue(topic, DeadLetterEvent(e, topic, reason))
		return nil
	})
}

// Prune deletes published outbox rows and processed-event records older than before:
// brokers keep events for 7 days, so a redelivery older than that cannot come.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	a, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE published_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("pruning the outbox: %w", err)
	}
	b, err := s.pool.Exec(ctx, `DELETE FROM processed_events WHERE processed_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("pruning processed events: %w", err)
	}
	c, err := s.pool.Exec(ctx, `DELETE FROM event_failures WHERE last_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("pruning event failures: %w", err)
	}
	return a.RowsAffected() + b.RowsAffected() + c.RowsAffected(), nil
}

// ReminderState is a reminder's delivery bookkeeping, for tests and operators.
type ReminderState struct {
	Status        todo.ReminderStatus
	Attempts      int
	NextAttemptAt *time.Time
	LastError     *string
	SentAt        *time.Time
}

// ReminderState loads a reminder's delivery bookkeeping.
func (s *Store) ReminderState(ctx context.Context, id int64) (ReminderState, error) {
	var r ReminderState
	err := s.pool.QueryRow(ctx, `SELECT status, attempts, next_attempt_at, last_error, sent_at FROM reminders WHERE id = $1`, id).
		Scan(&r.Status, &r.Attempts, &r.NextAttemptAt, &r.LastError, &r.SentAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, todo.NotFoundf("reminder", id)
	}
	if err != nil {
		return r, fmt.Errorf("loading reminder %d: %w", id, err)
	}
	return r, nil
}

// RecordEventFailure counts a transient failure of consumer handling eventID and returns
// how many there have been: after todo.MaxPublishAttempts the transports dead-letter the
// event instead of asking for it again.
func (s *Store) RecordEventFailure(ctx context.Context, consumer, eventID, reason string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `INSERT INTO event_failures (consumer, event_id, attempts, last_error, first_at, last_at)
		VALUES ($1, $2, 1, $3, $4, $4)
		ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = event_failures.attempts + 1, last_error = $3, last_at = $4
		RETURNING attempts`, consumer, eventID, todo.Truncate(reason, 1000), s.now()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting a failure of event %s: %w", eventID, err)
	}
	return n, nil
}
