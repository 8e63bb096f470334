package stream_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/stream"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// source is a Source whose notices the test sends; each ListenOutbox call is counted, and
// fail makes the current one return an error (a dropped connection).
type source struct {
	notices chan string
	fail    chan struct{}
	mu      sync.Mutex
	listens int
	active  int
	ready   chan struct{}
	stopped chan struct{} // a listen returned
}

func newSource() *source {
	return &source{notices: make(chan string), fail: make(chan struct{}), ready: make(chan struct{}, 10), stopped: make(chan struct{}, 10)}
}

func (s *source) ListenOutbox(ctx context.Context, ready func(), notice func(string)) error {
	s.mu.Lock()
	s.listens++
	s.active++
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.active--; s.mu.Unlock(); s.stopped <- struct{}{} }()
	ready()
	s.ready <- struct{}{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.fail:
			return errors.New("connection lost")
		case p := <-s.notices:
			notice(p)
		}
	}
}

func (s *source) counts() (listens, active int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listens, s.active
}

func woken(t *testing.T, sub *stream.Subscription) []int64 {
	t.Helper()
	select {
	case <-sub.Wake():
		ids, _ := sub.Take()
		return ids
	case <-time.After(5 * time.Second):
		t.Fatal("not woken")
	}
	return nil
}

// Notices reach only the named users' subscriptions; the hub listens only while one is
// open and catches up every subscription after its connection comes back.
func TestHubFansOutByUser(t *testing.T) {
	t.Parallel()
	src := newSource()
	hub := stream.NewHub(src, quiet)
	a1, a2, b := hub.Subscribe("ann"), hub.Subscribe("ann"), hub.Subscribe("bob")
	<-src.ready
	for _, s := range []*stream.Subscription{a1, a2, b} {
		woken(t, s) // the catch-up once LISTEN is in place
	}
	src.notices <- `[[7,"ann"],[8,"bob"],[9,"ann"]]`
	for _, s := range []*stream.Subscription{a1, a2} {
		if ids := woken(t, s); !slices.Equal(ids, []int64{7, 9}) {
			t.Fatalf("ann's subscription got %v", ids)
		}
	}
	if ids := woken(t, b); !slices.Equal(ids, []int64{8}) {
		t.Fatalf("bob's subscription got %v", ids)
	}
	src.notices <- `[[10,"bob"]]`
	woken(t, b)
	select {
	case <-a1.Wake():
		t.Fatal("ann's subscription woken by bob's event")
	default:
	}

	src.fail <- struct{}{}
	<-src.stopped // the lost connection's listen returned
	<-src.ready
	woken(t, a1) // reconnected: every subscription reads past its cursor

	a1.Close()
	a2.Close()
	b.Close()
	select {
	case <-src.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the listener did not stop once no subscription was open")
	}
	if _, active := src.counts(); active != 0 {
		t.Fatalf("%d listens still running", active)
	}
	again := hub.Subscribe("ann")
	<-src.ready
	again.Close()
	if listens, _ := src.counts(); listens != 3 {
		t.Fatalf("%d LISTEN connections, want 3 (first, reconnect, new subscriber)", listens)
	}
}

// A subscription that is never read does not hold the hub up: past MaxPending ids it is
// marked to end, and others still get their notices.
func TestHubDoesNotWaitForSlowSubscribers(t *testing.T) {
	t.Parallel()
	src := newSource()
	hub := stream.NewHub(src, quiet)
	slow, fast := hub.Subscribe("ann"), hub.Subscribe("ann")
	defer slow.Close()
	defer fast.Close()
	<-src.ready
	for i := range stream.MaxPending/100 + 1 {
		var b strings.Builder
		b.WriteString("[")
		for j := range 100 {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `[%d,"ann"]`, i*100+j+1)
		}
		b.WriteString("]")
		src.notices <- b.String() // blocks only if the hub blocked on a subscriber
		fast.Take()
	}
	// The listener takes a notice only after handling the one before: once this one is
	// taken, every notice above has been handled.
	src.notices <- `[[1,"nobody"]]`
	if _, overflow := slow.Take(); !overflow {
		t.Fatal("the slow subscription was not marked behind")
	}
	if _, overflow := fast.Take(); overflow {
		t.Fatal("the subscription that kept up was marked behind")
	}
}

// store is an in-memory Store: rows by id, each with its user.
type store struct {
	mu   sync.Mutex
	rows []row
}

type row struct {
	id   int64
	user string
}

func (s *store) add(id int64, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, row{id, user})
}

func (s *store) UserEvents(_ context.Context, user string, after int64, also []int64, limit int) ([]postgres.StreamEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []postgres.StreamEvent
	for _, r := range s.rows {
		if r.user == user && (r.id > after || slices.Contains(also, r.id)) && len(out) < limit {
			out = append(out, postgres.StreamEvent{ID: r.id, Type: "task.created",
				Event: fmt.Appendf(nil, `{"type":"task.created","userid":%q,"data":{"n":%d}}`, user, r.id)})
		}
	}
	slices.SortFunc(out, func(a, b postgres.StreamEvent) int { return int(a.ID - b.ID) })
	return out, nil
}

func (s *store) LatestEventID(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m int64
	for _, r := range s.rows {
		m = max(m, r.id)
	}
	return m, nil
}

// serve runs a stream handler behind server.Serve, as the binaries do; stop shuts it down
// and reports how long that took.
func serve(t *testing.T, st *stream.Streams) (url string, stop func() time.Duration) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := st.Serve(w, r, "ann"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { server.Serve(ctx, ln, h, quiet); close(done) }()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			start := time.Now()
			cancel()
			<-done
			took = time.Since(start)
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return "http://" + ln.Addr().String(), stop
}

// lines reads a stream's lines into a channel.
func lines(t *testing.T, url string, header http.Header) <-chan string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	ch := make(chan string, 1000)
	go func() {
		defer close(ch)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

func expectLine(t *testing.T, ch <-chan string, prefix string) string {
	t.Helper()
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no line %q within 5 s", prefix)
		}
	}
}

// A stream sends rows named by a notice, including a row that committed after a later one
// was sent, once each; heartbeats poll for rows nobody named; a shutdown ends open streams
// at once instead of waiting out server.ShutdownTimeout.
func TestStreamDeliversAndEndsOnShutdown(t *testing.T) {
	t.Parallel()
	src, st := newSource(), &store{}
	st.add(1, "ann")
	url, stop := serve(t, &stream.Streams{Hub: stream.NewHub(src, quiet), Store: st, Log: quiet,
		Opts: stream.Options{Heartbeat: 200 * time.Millisecond}})
	ch := lines(t, url, http.Header{})
	if l := expectLine(t, ch, "id: "); l != "id: 1" {
		t.Fatalf("the ready event's id %q, want the latest row's, 1", l)
	}
	expectLine(t, ch, "event: ready")
	<-src.ready

	st.add(3, "ann")
	st.add(4, "bob")
	src.notices <- `[[3,"ann"],[4,"bob"]]`
	if l := expectLine(t, ch, "id: "); l != "id: 3" {
		t.Fatalf("first event %q, want id 3", l)
	}
	// Row 2 committed late: named by a notice, it is sent though it is below the cursor;
	// named again (a re-claim), it is not sent twice.
	st.add(2, "ann")
	src.notices <- `[[2,"ann"]]`
	if l := expectLine(t, ch, "id: "); l != "id: 2" {
		t.Fatalf("late event %q, want id 2", l)
	}
	src.notices <- `[[2,"ann"],[3,"ann"]]`
	st.add(5, "ann")
	src.notices <- `[[5,"ann"]]`
	if l := expectLine(t, ch, "id: "); l != "id: 5" {
		t.Fatalf("after the re-claim: %q, want id 5 (2 and 3 once only)", l)
	}
	// A row nobody names arrives with a heartbeat's poll.
	st.add(6, "ann")
	if l := expectLine(t, ch, "id: "); l != "id: 6" {
		t.Fatalf("polled: %q, want id 6", l)
	}

	// Resume after 2: 3, 5 and 6, never bob's 4.
	resumed := lines(t, url, http.Header{"Last-Event-ID": {"2"}})
	expectLine(t, resumed, "id: 2") // ready, at the cursor
	for _, want := range []string{"id: 3", "id: 5", "id: 6"} {
		if l := expectLine(t, resumed, "id: "); l != want {
			t.Fatalf("resumed: %q, want %q", l, want)
		}
	}

	if took := stop(); took > server.ShutdownTimeout/2 {
		t.Fatalf("shutdown took %v with streams open", took)
	}
	for range ch {
	}
}
