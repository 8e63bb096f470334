// Package outbox moves events from the outbox table to the broker. A function's writes put
// their events in the outbox in the same transaction (package postgres); the relay then
// publishes them on two paths:
//
//   - the fast path: right after commit, the function publishes the rows it just wrote
//     (Relay.OnCommit is the store's commit hook);
//   - the slow path: a sweep publishes rows left unpublished for longer than StaleAfter, by
//     a crash between commit and publish or a broker outage (tick-reminders runs it).
//
// Each path claims its rows with FOR UPDATE SKIP LOCKED while publishing and marks them in
// the same transaction, so neither publishes a row the other is publishing or has
// published. Delivery is at least once (a crash after publishing and before the mark
// repeats a row); consumers are idempotent.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/taskline/taskline/shared/postgres"
)

// Message is one event on its way to the broker: structured CloudEvent JSON, its topic and
// its partition key (the user id).
type Message = postgres.OutboxMessage

// Publisher sends messages to a broker. It reports, per message and in order, the error
// that kept it from being published (nil: accepted by the broker). Implementations live in
// package bus: the Dapr sidecar, Kafka, and the in-process bus.
type Publisher interface {
	Publish(ctx context.Context, msgs []Message) []error
}

// Options tune a relay; zero values take the defaults.
type Options struct {
	// StaleAfter is how old an unpublished row must be before the sweep takes it: long
	// enough that the fast path normally got there first. Default 2s.
	StaleAfter time.Duration
	// Timeout bounds one publish (a broker that hangs must not hold row locks forever).
	// Default 10s.
	Timeout time.Duration
	// Sync makes OnCommit publish before it returns, instead of handing the ids to
	// background workers: for AWS Lambda, which freezes the process after the response.
	Sync bool
	// Workers is the number of background fast-path publishers. Default 4.
	Workers int
	// BatchSize bounds the rows one publish carries. Default 500.
	BatchSize int
}

// Relay publishes outbox rows through a Publisher.
type Relay struct {
	store *postgres.Store
	pub   Publisher
	log   *slog.Logger
	opts  Options

	queue  chan []int64
	wg     sync.WaitGroup
	mu     sync.RWMutex // guards closed against sends on the closed queue
	closed bool
}

// New returns a relay publishing the store's outbox through pub. Call Close when done.
//
// The store should have a pool of its own when the publisher calls back into the
// database (the in-process bus runs consumers inside Publish): a flush holds a connection
// while it publishes, and consumers waiting for one from the same pool could wait forever.
func New(store *postgres.Store, pub Publisher, log *slog.Logger, opts Options) *Relay {
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 2 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	r := &Relay{store: store, pub: traced{pub}, log: log, opts: opts, queue: make(chan []int64, 4096)}
	if !opts.Sync {
		for range opts.Workers {
			r.wg.Add(1)
			go r.work()
		}
	}
	return r
}

// OnCommit is the store's commit hook (postgres.Store.OnCommit): it publishes the rows a
// transaction just wrote. It never fails the write: rows it cannot publish are swept later.
func (r *Relay) OnCommit(ctx context.Context, ids []int64) {
	if r.opts.Sync {
		if err := r.Flush(context.WithoutCancel(ctx), ids); err != nil {
			r.log.WarnContext(ctx, "publishing after commit failed; the sweep will retry", "rows", len(ids), "err", err)
		}
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return // shutting down: the sweep of the next process publishes them
	}
	// Large commits (a tick claiming thousands of reminders) are split so several workers
	// share them and no flush holds its locks for long.
	for chunk := range slices.Chunk(ids, r.opts.BatchSize) {
		select {
		case r.queue <- chunk:
		default:
			// Saturated: the sweep publishes these a little later rather than blocking writes.
			r.log.WarnContext(ctx, "fast-path queue full; leaving rows to the sweep", "rows", len(chunk))
		}
	}
}

// work is one background fast-path publisher: it takes whatever ids are queued (so bursts
// go out in batches) and flushes them.
func (r *Relay) work() {
	defer r.wg.Done()
	for ids := range r.queue {
		// Copy before appending: ids may share its backing array with the committer's slice.
		ids = slices.Clone(ids)
	more:
		for len(ids) < r.opts.BatchSize {
			select {
			case next, ok := <-r.queue:
				if !ok {
					break more
				}
				ids = append(ids, next...)
			default:
				break more
			}
		}
		if err := r.Flush(context.Background(), ids); err != nil {
			r.log.Warn("publishing after commit failed; the sweep will retry", "rows", len(ids), "err", err)
		}
	}
}

// Flush publishes the named rows that are still unpublished, BatchSize rows per
// transaction.
func (r *Relay) Flush(ctx context.Context, ids []int64) error {
	var errs []error
	for chunk := range slices.Chunk(ids, r.opts.BatchSize) {
		cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
		_, err := r.store.PublishOutbox(cctx, chunk, r.pub.Publish)
		cancel()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Sweep publishes every row that has been unpublished for longer than StaleAfter, batch by
// batch, and returns how many it published. It stops at the first failing batch (the
// broker is likely down; the next sweep tries again).
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		bctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
		before := r.store.Now().Add(-r.opts.StaleAfter)
		n, err := r.store.SweepOutbox(bctx, before, r.opts.BatchSize, r.pub.Publish)
		cancel()
		total += n
		if err != nil {
			return total, err
		}
		if n < r.opts.BatchSize {
			return total, nil
		}
	}
}

// Close stops the background publishers after they have flushed what is queued.
func (r *Relay) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	r.wg.Wait()
}
