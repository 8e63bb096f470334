package stream

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what a stream reads (the postgres store implements it).
type Store interface {
	UserEvents(ctx context.Context, userID string, after int64, also []int64, limit int) ([]postgres.StreamEvent, error)
	LatestEventID(ctx context.Context) (int64, error)
}

// Defaults of Options.
const (
	// DefaultHeartbeat is below the idle timeouts of common proxies and load balancers
	// (30 to 60 s), so an idle stream is not cut.
	DefaultHeartbeat = 20 * time.Second
	// DefaultMaxDuration ends a stream well inside the longest request a gateway allows
	// (Knative's timeoutSeconds, 600 for query-tasks in the chart); the client resumes from
	// its Last-Event-ID, so nothing is lost.
	DefaultMaxDuration = 5 * time.Minute
	// DefaultWriteTimeout drops a client that stops reading: its writes would otherwise
	// block forever once the socket's buffers are full.
	DefaultWriteTimeout = 15 * time.Second
	batch               = 200
	recent              = 1024
)

// ReadyEvent is the name of every stream's first event, sent as soon as it is open: its id
// is the stream's cursor, its data {"last_event_id": id}. No CloudEvent type has this name.
const ReadyEvent = "ready"

// Options tune a stream; zero values take the defaults.
type Options struct {
	Heartbeat    time.Duration
	MaxDuration  time.Duration
	WriteTimeout time.Duration
	// Once answers what is there past the cursor and ends (AWS Lambda, which buffers
	// responses): the client reconnects, which makes it a poll.
	Once bool
}

// Streams serves GET /api/{user_id}/events.
type Streams struct {
	Hub   *Hub
	Store Store
	Log   *slog.Logger
	Opts  Options
}

// Cursor reads where a client resumes: the Last-Event-ID header (EventSource sends it on
// reconnect), else the last_event_id query parameter; 0 and false when neither is given.
func Cursor(r *http.Request) (int64, bool, error) {
	v := r.Header.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if v == "" {
		v, field = r.URL.Query().Get("last_event_id"), "last_event_id"
	}
	if v = strings.TrimSpace(v); v == "" {
		return 0, false, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, false, todo.Errorf(todo.Invalid, field, "%s must be the id of an event this stream sent, not %q", field, v)
	}
	return id, true, nil
}

// Serve streams user's events until the client leaves, the server shuts down, the stream
// has lasted MaxDuration or fallen MaxPending events behind. Errors before the stream
// starts are returned (for the API's JSON error answer); later ones end the stream, and
// the client resumes from the last id it received.
func (s *Streams) Serve(w http.ResponseWriter, r *http.Request, user string) error {
	o := s.Opts
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = DefaultMaxDuration
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	ctx := r.Context()
	last, resume, err := Cursor(r)
	if err != nil {
		return err
	}
	// Subscribe before reading the cursor's position: a row claimed in between is then
	// named to this subscription, never lost between the two.
	sub := s.Hub.Subscribe(user)
	defer sub.Close()
	if !resume {
		if last, err = s.Store.LatestEventID(ctx); err != nil {
			return err
		}
	}
	rc := http.NewResponseController(w)
	server.StartEventStream(w)
	st := &stream{w: w, rc: rc, timeout: o.WriteTimeout, seen: newIDSet(recent)}
	// The client's reconnection delay, and a first event: the stream is open, and its id
	// is the cursor to resume from even if no event follows (EventSource keeps the id of
	// any event; a Lambda poll that finds nothing must not lose its place).
	fmt.Fprintf(&st.buf, "retry: 2000\nid: %d\nevent: %s\ndata: {\"last_event_id\":%d}\n\n", last, ReadyEvent, last)
	if !st.flush() {
		return nil
	}
	read := func(also []int64) bool {
		for {
			list, err := s.Store.UserEvents(ctx, user, last, also, batch)
			if err != nil {
				if ctx.Err() == nil {
					s.Log.WarnContext(ctx, "reading events for a stream; ending it", "user_id", user, "err", err)
				}
				return false
			}
			for _, e := range list {
				if st.seen.add(e.ID) {
					st.event(e)
				}
				last = max(last, e.ID)
			}
			if !st.flush() {
				return false
			}
			if len(list) < batch {
				return true
			}
			also = nil
		}
	}
	if !read(nil) || o.Once {
		return nil
	}
	heartbeat := time.NewTicker(o.Heartbeat)
	defer heartbeat.Stop()
	end := time.NewTimer(o.MaxDuration)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-server.Draining(ctx):
			return nil
		case <-end.C:
			return nil
		case <-sub.Wake():
			ids, overflow := sub.Take()
			if overflow {
				// Fallen too far behind: end here; the client resumes from its last id.
				st.buf.WriteString(": behind; reconnect with Last-Event-ID\n\n")
				st.flush()
				return nil
			}
			// Ids above the cursor are read by it; below it, only the ones not sent yet.
			var late []int64
			for _, id := range ids {
				if id <= last && !st.seen.has(id) {
					late = append(late, id)
				}
			}
			if !read(late) {
				return nil
			}
		case <-heartbeat.C:
			st.buf.WriteString(": keep-alive\n\n")
			// Also a poll: rows whose notice never came (nobody claimed them yet).
			if !read(nil) {
				return nil
			}
		}
	}
}

// stream buffers a batch of events and writes it with a deadline.
type stream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     bytes.Buffer
	seen    *idSet
}

// event appends one server-sent event: the outbox id, the CloudEvent type, the CloudEvent.
func (s *stream) event(e postgres.StreamEvent) {
	s.buf.WriteString("id: ")
	s.buf.WriteString(strconv.FormatInt(e.ID, 10))
	if e.Type != "" && !strings.ContainsAny(e.Type, "\r\n") {
		s.buf.WriteString("\nevent: ")
		s.buf.WriteString(e.Type)
	}
	// jsonb's text is one line; a line break would start a new field, so split on any.
	for line := range bytes.Lines(e.Event) {
		s.buf.WriteString("\ndata: ")
		s.buf.Write(bytes.TrimRight(line, "\r\n"))
	}
	s.buf.WriteString("\n\n")
}

// flush writes what is buffered; false when the client is gone or too slow.
func (s *stream) flush() bool {
	if s.buf.Len() == 0 {
		return true
	}
	s.rc.SetWriteDeadline(time.Now().Add(s.timeout)) // unsupported: no deadline, still correct
	_, err := s.w.Write(s.buf.Bytes())
	s.buf.Reset()
	if err == nil {
		err = s.rc.Flush()
	}
	return err == nil
}

// idSet remembers the last n ids sent, so a row named twice (a re-claim after a failed
// publish, a notice racing the cursor) is sent once.
type idSet struct {
	ring []int64
	next int
	in   map[int64]struct{}
}

func newIDSet(n int) *idSet {
	return &idSet{ring: make([]int64, 0, n), in: make(map[int64]struct{}, n)}
}

func (s *idSet) has(id int64) bool {
	_, ok := s.in[id]
	return ok
}

// add records id; false when it was already there.
func (s *idSet) add(id int64) bool {
	if s.has(id) {
		return false
	}
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, id)
	} else {
		delete(s.in, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % len(s.ring)
	}
	s.in[id] = struct{}{}
	return true
}
