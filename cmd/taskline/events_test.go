package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

// sseEvent is one server-sent event of GET /events as a client reads it.
type sseEvent struct {
	ID    int64
	Type  string
	Event struct {
		Type   string         `json:"type"`
		UserID string         `json:"userid"`
		Data   map[string]any `json:"data"`
	}
}

// eventStream is an open GET /api/{user}/events.
type eventStream struct {
	res    *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

// openStream opens user's stream with the bearer token and extra headers; the answer must be
// a 200 event stream. The client stops reading when the test ends.
func openStream(t *testing.T, l *local, user, bearer, query string, header map[string]string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", l.api.URL+"/api/"+user+"/events"+query, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &eventStream{res: res, events: make(chan sseEvent, 100), cancel: cancel}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		var e sseEvent
		var data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				e.ID, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "event: "):
				e.Type = line[7:]
			case strings.HasPrefix(line, "data: "):
				data += line[6:]
			case line == "" && data != "":
				if err := json.Unmarshal([]byte(data), &e.Event); err != nil {
					t.Errorf("event data is not a CloudEvent: %v: %s", err, data)
				}
				s.events <- e
				e, data = sseEvent{}, ""
			}
		}
	}()
	return s
}

// next is the stream's next event after the ready one, failing the test when none comes
// within 10 s.
func (s *eventStream) next(t *testing.T) sseEvent {
	t.Helper()
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if e.Type == "ready" {
				continue
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10 s")
		}
	}
}

// nextOf skips events until one of type typ comes.
func (s *eventStream) nextOf(t *testing.T, user, typ string) sseEvent {
	t.Helper()
	for {
		e := s.next(t)
		if e.Event.UserID != user {
			t.Fatalf("%s's stream carried %s's event %s", user, e.Event.UserID, e.Type)
		}
		if e.Type != e.Event.Type {
			t.Fatalf("event name %q, CloudEvent type %q", e.Type, e.Event.Type)
		}
		if e.Type == typ {
			return e
		}
	}
}

func (l *local) createTask(t *testing.T, user, title string) todo.Task {
	t.Helper()
	var task todo.Task
	l.api.Do(user, "POST", "/api/"+user+"/tasks", map[string]any{"title": title}).Expect(t, 201).Decode(t, &task)
	return task
}

// TestLocalEventStream: each user's open stream receives that user's events as they
// happen, never another user's; a reconnect with Last-Event-ID (or last_event_id) gets
// exactly what was missed; the stream is authenticated like the rest of the API.
func TestLocalEventStream(t *testing.T) {
	t.Parallel()
	l := startLocal(t, "UTC")
	ann, bea := l.user, "bea"
	l.api.Do(bea, "GET", "/api/"+bea+"/tasks", nil).Expect(t, 200) // records the user
	annStream := openStream(t, l, ann, l.api.Token(ann), "", nil)
	beaStream := openStream(t, l, bea, l.api.Token(bea), "", nil)

	first := l.createTask(t, ann, "Water the plants")
	l.createTask(t, bea, "Bea's secret")
	e := annStream.nextOf(t, ann, "task.created")
	if e.Event.Data["title"] != "Water the plants" || e.Event.Data["task_id"] != float64(first.ID) {
		t.Fatalf("ann's task.created: %+v", e.Event.Data)
	}
	if b := beaStream.nextOf(t, bea, "task.created"); b.Event.Data["title"] != "Bea's secret" {
		t.Fatalf("bea's task.created: %+v", b.Event.Data)
	}

	// Changes while ann's page is away: a reconnect from the last id she got replays them
	// in order, once each.
	annStream.cancel()
	second := l.createTask(t, ann, "Call the plumber")
	l.createTask(t, bea, "Bea's other secret")
	l.api.Do(ann, "POST", l.path("/tasks/%d/complete", second.ID), nil).Expect(t, 200)
	for _, resume := range []struct {
		query  string
		header map[string]string
	}{
		{"", map[string]string{"Last-Event-ID": strconv.FormatInt(e.ID, 10)}},
		{"?last_event_id=" + strconv.FormatInt(e.ID, 10), nil},
	} {
		var want []int64
		for _, id := range l.outboxIDs(t, ann) {
			if id > e.ID {
				want = append(want, id)
			}
		}
		if len(want) < 2 {
			t.Fatalf("ann's events after %d: %v", e.ID, want)
		}
		s := openStream(t, l, ann, l.api.Token(ann), resume.query, resume.header)
		for _, id := range want {
			got := s.next(t)
			if got.ID != id || got.Event.UserID != ann {
				t.Fatalf("resumed after %d: event %d of %s, want %d (all: %v)", e.ID, got.ID, got.Event.UserID, id, want)
			}
		}
		// And live again afterwards.
		third := l.createTask(t, ann, "Book the dentist")
		if got := s.nextOf(t, ann, "task.created"); got.Event.Data["task_id"] != float64(third.ID) || got.ID <= want[len(want)-1] {
			t.Fatalf("after the replay: %+v", got)
		}
		s.cancel()
	}

	// A read-only personal access token is enough.
	pat, err := l.api.Store.CreateToken(context.Background(), ann, todo.TokenSpec{Name: "watch", Scope: todo.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	ro := openStream(t, l, ann, pat.Secret, "", nil)
	fourth := l.createTask(t, ann, "Read-only watcher sees this")
	if got := ro.nextOf(t, ann, "task.created"); got.Event.Data["task_id"] != float64(fourth.ID) {
		t.Fatalf("read-only token's stream: %+v", got)
	}
}

// outboxIDs are the user's event ids, in order.
func (l *local) outboxIDs(t *testing.T, user string) []int64 {
	t.Helper()
	rows, err := l.api.Store.Pool().Query(context.Background(), `SELECT id FROM outbox WHERE partition_key = $1 ORDER BY id`, user)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

// The stream answers errors like every other route, as JSON before any event.
func TestLocalEventStreamRefuses(t *testing.T) {
	t.Parallel()
	l := startLocal(t, "UTC")
	l.api.Do("", "GET", l.path("/events"), nil).ExpectError(t, 401, "authorization")
	l.api.Do("bea", "GET", l.path("/events"), nil).ExpectError(t, 403, "user_id")
	l.api.DoHeader(l.user, "GET", l.path("/events"), nil, http.Header{"Last-Event-Id": {"abc"}}).ExpectError(t, 400, "Last-Event-ID")
	l.api.Do(l.user, "GET", l.path("/events?last_event_id=-3"), nil).ExpectError(t, 400, "last_event_id")
}
