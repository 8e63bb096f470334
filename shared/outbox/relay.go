// Package outbox moves events from the outbox table to the broker. A function's writes put
// their events in the outbox in the same transaction (package postgres); the relay then
// publishes them on two paths:
//
//   - the fast path: right after commit, the function publishes the rows it just wrote
//     (Relay.OnCommit is the store's commit hook). The rows were written leased to it
//     (Store.PublishLease, Options.Lease), so it publishes them from memory and only marks
//     them afterwards;
//   - the slow path: a sweep publishes rows left unpublished for longer than StaleAfter and
//     not leased, by a crash between commit and publish (once the writer's lease ran out)
//     or a broker outage (tick-reminders runs it).
//
// The sweep leases its rows in a short statement, publishes with no transaction open and
// marks them in a second one, so neither path publishes a row the other is publishing or
// has published, and no database connection or lock is held during network I/O. Delivery is
// at least once (a crash after publishing and before the mark repeats a row); consumers
// are idempotent. A row that keeps failing waits longer between tries and is parked after
// todo.MaxPublishAttempts (`taskline outbox parked|replay`).
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
	// Lease is how long the rows a function writes stay leased to its fast path from
	// their commit (Store.PublishLease): the sweep leaves them alone meanwhile, and takes
	// them after it if the function died before publishing. Default 15s.
	Lease time.Duration
}

// Relay publishes outbox rows through a Publisher.
type Relay struct {
	store *postgres.Store
	pub   Publisher
	log   *slog.Logger
	opts  Options

	queue  chan []Message
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
	if opts.Lease <= 0 {
		opts.Lease = 15 * time.Second
	}
	r := &Relay{store: store, pub: traced{pub}, log: log, opts: opts, queue: make(chan []Message, 4096)}
	if !opts.Sync {
		for range opts.Workers {
			r.wg.Add(1)
			go r.work()
		}
	}
	return r
}

// Lease is how long the store should lease the rows it writes to this relay's fast path
// (Store.PublishLease).
func (r *Relay) Lease() time.Duration { return r.opts.Lease }

// OnCommit is the store's commit hook (postgres.Store.OnCommit): it publishes the rows a
// transaction just wrote. It never fails the write: rows it cannot publish are swept later.
func (r *Relay) OnCommit(ctx context.Context, rows []Message) {
	if r.opts.Sync {
		if err := r.publish(context.WithoutCancel(ctx), rows); err != nil {
			r.log.WarnContext(ctx, "publishing after commit failed; the sweep will retry", "rows", len(rows), "err", err)
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
	for chunk := range slices.Chunk(rows, r.opts.BatchSize) {
		select {
		case r.queue <- chunk:
		default:
			// Saturated: the sweep publishes these a little later rather than blocking writes.
			r.log.WarnContext(ctx, "fast-path queue full; leaving rows to the sweep", "rows", len(chunk))
		}
	}
}

// work is one background fast-path publisher: it takes whatever rows are queued (so
// bursts go out in batches) and publishes them.
func (r *Relay) work() {
	defer r.wg.Done()
	for rows := range r.queue {
		// Copy before appending: rows may share its backing array with the committer's slice.
		rows = slices.Clone(rows)
	more:
		for len(rows) < r.opts.BatchSize {
			select {
			case next, ok := <-r.queue:
				if !ok {
					break more
				}
				rows = append(rows, next...)
			default:
				break more
			}
		}
		if err := r.publish(context.Background(), rows); err != nil {
			r.log.Warn("publishing after commit failed; the sweep will retry", "rows", len(rows), "err", err)
		}
	}
}

// publish is the fast path for rows that just committed, BatchSize rows at a time: from
// memory while enough of their lease runs (Store.PublishLeased), else after renewing it.
func (r *Relay) publish(ctx context.Context, rows []Message) error {
	var errs []error
	for chunk := range slices.Chunk(rows, r.opts.BatchSize) {
		cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
		// A row is published from memory only with its publish's whole timeout (and a
		// second) left on its lease; one kept waiting longer is given a fresh lease first.
		_, err := r.store.PublishLeased(cctx, chunk, r.opts.Timeout+time.Second, r.pub.Publish)
		cancel()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Flush publishes the named rows that are still unpublished and not leased to another
// publisher, BatchSize rows per claim: the fast path for rows known only by id.
func (r *Relay) Flush(ctx context.Context, ids []int64) error {
	rows := make([]Message, len(ids))
	for i, id := range ids {
		rows[i].ID = id // no lease known: claimed first
	}
	return r.publish(ctx, rows)
}

// Sweep publishes every row that has been unpublished for longer than StaleAfter, batch by
// batch in id order, and returns how many it published. A batch whose rows fail does not
// stop it: those rows have recorded their failure (a wait before their next try, or
// parked after todo.MaxPublishAttempts) and the sweep carries on with the rows behind
// them, so one user's poison events never hold up another's. It returns the failures it
// met, joined.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	total := 0
	var after int64
	var errs []error
	before := r.store.Now().Add(-r.opts.StaleAfter)
	for {
		bctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
		n, batch, err := r.store.SweepOutboxAfter(bctx, before, after, r.opts.BatchSize, r.pub.Publish)
		cancel()
		total += n
		if err != nil {
			errs = append(errs, err)
			if batch.Claimed == 0 || ctx.Err() != nil {
				return total, errors.Join(errs...) // the database itself failed
			}
		}
		if batch.Claimed < r.opts.BatchSize {
			return total, errors.Join(errs...)
		}
		after = batch.LastID
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
