package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/todo"
)

// OutboxMessage is one outbox row on its way to the broker: a CloudEvent in structured
// JSON, the topic it goes to and its partition key (the user id).
type OutboxMessage struct {
	ID    int64
	Topic string
	Key   string
	Event []byte
}

// PublishFunc publishes messages and reports, per message and in the same order, the error
// that kept it from being published (nil: published).
type PublishFunc func(ctx context.Context, msgs []OutboxMessage) []error

// PublishOutbox publishes the named outbox rows that are still unpublished: the fast path
// after a commit. See publishOutbox for why no row is published twice.
func (s *Store) PublishOutbox(ctx context.Context, ids []int64, publish PublishFunc) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	return s.publishOutbox(ctx, publish, `SELECT id, topic, partition_key, event::text FROM outbox
		WHERE id = ANY($1) AND published_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED`, pgx.QueryExecModeExec, ids)
}

// SweepOutbox publishes up to limit rows left unpublished since before olderThan (a crash
// between commit and publish, a broker outage): the slow path.
func (s *Store) SweepOutbox(ctx context.Context, olderThan time.Time, limit int, publish PublishFunc) (int, error) {
	return s.publishOutbox(ctx, publish, `SELECT id, topic, partition_key, event::text FROM outbox
		WHERE published_at IS NULL AND created_at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, olderThan, limit)
}

// publishOutbox claims rows with FOR UPDATE SKIP LOCKED, publishes them while holding the
// locks and marks them published in the same transaction. What must stay true: a row is
// published by one path at a time (the other skips it while it is locked) and never again
// after it was marked (the re-check of published_at under the lock excludes it). A crash
// after publishing and before commit can still publish a row twice; consumers are
// idempotent for that reason.
func (s *Store) publishOutbox(ctx context.Context, publish PublishFunc, query string, args ...any) (int, error) {
	t, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("beginning outbox transaction: %w", err)
	}
	defer t.Rollback(context.WithoutCancel(ctx))
	rows, err := t.Query(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("claiming outbox rows: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMessage, error) {
		var m OutboxMessage
		var body string
		err := r.Scan(&m.ID, &m.Topic, &m.Key, &body)
		m.Event = []byte(body)
		return m, err
	})
	if err != nil {
		return 0, fmt.Errorf("claiming outbox rows: %w", err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	errs := publish(ctx, msgs)
	var done, failed []int64
	var reasons []string
	for i, m := range msgs {
		if i < len(errs) && errs[i] != nil {
			failed = append(failed, m.ID)
			reasons = append(reasons, todo.Truncate(errs[i].Error(), 1000))
			continue
		}
		done = append(done, m.ID)
	}
	// The marks must land even when the caller's context ended during publishing:
	// otherwise published rows would be published again by the sweep.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.now()
	if len(done) > 0 {
		if _, err := t.Exec(mctx, `UPDATE outbox SET published_at = $2, attempts = attempts + 1, last_error = NULL
			WHERE id = ANY($1)`, pgx.QueryExecModeExec, done, now); err != nil {
			return 0, fmt.Errorf("marking outbox rows published: %w", err)
		}
	}
	if len(failed) > 0 {
		if _, err := t.Exec(mctx, `UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.reason
			FROM unnest($1::bigint[], $2::text[]) AS f(id, reason) WHERE o.id = f.id`, failed, reasons); err != nil {
			return 0, fmt.Errorf("recording outbox failures: %w", err)
		}
	}
	if err := t.Commit(mctx); err != nil {
		return 0, fmt.Errorf("committing outbox marks: %w", err)
	}
	if len(failed) > 0 {
		return len(done), fmt.Errorf("publishing %d of %d outbox rows: %w", len(failed), len(msgs), firstError(errs))
	}
	return len(done), nil
}

// OutboxStats counts unpublished rows; a monitor (and KEDA's query) watches it.
func (s *Store) OutboxStats(ctx context.Context) (unpublished int, oldest *time.Time, err error) {
	err = s.pool.QueryRow(ctx, `SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL`).Scan(&unpublished, &oldest)
	if err != nil {
		return 0, nil, fmt.Errorf("counting unpublished outbox rows: %w", err)
	}
	return unpublished, oldest, nil
}

func firstError(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
