// Package stream is the live per-user event stream, GET /api/{user_id}/events: the
// user's own CloudEvents as server-sent events, resumable by Last-Event-ID.
//
// Where the events come from: the outbox (package postgres, events.go). Every event is an
// outbox row keyed by its user, in every deployment shape: the all-in-one binary with its
// in-process bus and the distributed functions on Kafka alike, so one design serves both
// without a consumer group per stream or a broker subscription per process. The row's id is
// the stream's cursor. Whoever claims outbox rows to publish them sends one NOTIFY per
// claimed batch naming the rows and their users; nothing is added to the request's own
// write transaction. Each process with open streams holds one LISTEN connection (a Hub)
// and wakes the streams of the users named; each stream then reads its user's rows past
// its cursor (and the rows a notice named below it, which committed late), so a slow
// client slows only its own stream. A notice lost while the listener reconnects is caught
// up when it is back, and every heartbeat also reads past the cursor, so a process whose
// rows nobody claims (PUBLISHER=none until a sweep) still streams, only later.
package stream

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/taskline/taskline/shared/postgres"
)

// Source is where a hub hears of claimed outbox rows (the store implements it).
type Source interface {
	ListenOutbox(ctx context.Context, ready func(), notice func(payload string)) error
}

// MaxPending bounds the ids a subscriber may have waiting: a stream that falls this far
// behind is ended, and its client resumes with Last-Event-ID.
const MaxPending = 1024

// Hub fans the outbox notices of one process out to its streams, by user. It listens only
// while a stream is open.
type Hub struct {
	src Source
	log *slog.Logger

	mu   sync.Mutex
	subs map[string]map[*Subscription]struct{}
	n    int
	stop context.CancelFunc // the running listener's, nil when none runs
}

// NewHub returns a hub listening through src.
func NewHub(src Source, log *slog.Logger) *Hub {
	return &Hub{src: src, log: log, subs: map[string]map[*Subscription]struct{}{}}
}

// Subscription is one stream's registration: it is woken when rows of its user are
// claimed. Close it when the stream ends.
type Subscription struct {
	hub  *Hub
	user string
	wake chan struct{}

	mu       sync.Mutex
	ids      []int64
	overflow bool
}

// Subscribe registers a stream of user's events.
func (h *Hub) Subscribe(user string) *Subscription {
	s := &Subscription{hub: h, user: user, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[user] == nil {
		h.subs[user] = map[*Subscription]struct{}{}
	}
	h.subs[user][s] = struct{}{}
	h.n++
	if h.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go h.listen(ctx)
	}
	return s
}

// Close unregisters the stream; the hub stops listening after the last one.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s.user][s]; !ok {
		return
	}
	delete(h.subs[s.user], s)
	if len(h.subs[s.user]) == 0 {
		delete(h.subs, s.user)
	}
	h.n--
	if h.n == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// Wake is signalled when rows of the user were claimed (or the listener reconnected, when
// any may have been missed).
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Take returns the ids named since the last call, and whether more arrived than
// MaxPending (the stream has fallen behind and should end).
func (s *Subscription) Take() (ids []int64, overflow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, s.ids = s.ids, nil
	return ids, s.overflow
}

// push never blocks: a hub must not wait for any stream.
func (s *Subscription) push(ids []int64) {
	s.mu.Lock()
	if len(s.ids)+len(ids) > MaxPending {
		s.overflow = true
	} else {
		s.ids = append(s.ids, ids...)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // already woken; it takes every id then
	}
}

// listen keeps a LISTEN connection until ctx ends, reconnecting with backoff.
func (h *Hub) listen(ctx context.Context) {
	const maxBackoff = 10 * time.Second
	backoff := 100 * time.Millisecond
	for {
		err := h.src.ListenOutbox(ctx, func() {
			backoff = 100 * time.Millisecond
			h.wakeAll() // catch up on rows claimed while no LISTEN was in place
		}, h.notice)
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("listening for outbox notices failed; retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (h *Hub) notice(payload string) {
	refs, err := postgres.ParseOutboxNotice(payload)
	if err != nil {
		h.log.Warn("ignoring an outbox notice", "err", err)
		return
	}
	byUser := map[string][]int64{}
	for _, r := range refs {
		byUser[r.UserID] = append(byUser[r.UserID], r.ID)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for user, ids := range byUser {
		for s := range h.subs[user] {
			s.push(ids)
		}
	}
}

func (h *Hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for s := range set {
			s.push(nil)
		}
	}
}
