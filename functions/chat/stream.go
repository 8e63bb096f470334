package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/server"
	"github.com/taskline/taskline/shared/todo"
)

// Events is told what happens during a reply, for streaming.
type Events interface {
	// Start is the conversation the reply belongs to (a new one's id is known here).
	Start(conversationID int64)
	// Delta is more of the answer's text.
	Delta(text string)
	// ToolCall is a tool call that completed (or was held for confirmation).
	ToolCall(r todo.ToolCallResult)
}

type noEvents struct{}

func (noEvents) Start(int64)                  {}
func (noEvents) Delta(string)                 {}
func (noEvents) ToolCall(todo.ToolCallResult) {}

// sse writes a reply as server-sent events:
//
//	event: start      {"conversation_id": 12}
//	event: delta      {"text": "..."}            (repeated)
//	event: tool_call  ToolCallResult             (one per call)
//	event: done       the Response POST /chat answers without streaming
//	event: error      {"error": {...}, "detail": "..."} instead of done when the turn failed
type sse struct {
	w       http.ResponseWriter
	flush   http.Flusher
	started bool
}

func newSSE(w http.ResponseWriter) (*sse, error) {
	f, ok := w.(http.Flusher)
	if !ok {
		return nil, errors.New("streaming is not supported by this connection")
	}
	return &sse{w: w, flush: f}, nil
}

func (s *sse) send(name string, v any) {
	if !s.started {
		server.StartEventStream(s.w)
		s.started = true
	}
	b, _ := json.Marshal(v)
	fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", name, b)
	s.flush.Flush()
}

func (s *sse) Start(id int64) { s.send("start", map[string]int64{"conversation_id": id}) }

func (s *sse) Delta(text string) {
	if text != "" {
		s.send("delta", map[string]string{"text": text})
	}
}

func (s *sse) ToolCall(r todo.ToolCallResult) { s.send("tool_call", r) }

// fail ends a stream that has begun with an error event in the API's error shape.
func (s *sse) fail(ctx context.Context, log *slog.Logger, err error) {
	e := todo.AsError(err)
	if e == nil {
		log.ErrorContext(ctx, "chat stream failed", "err", err)
		e = &todo.Error{Code: todo.Internal, Message: "something went wrong on our side; try again"}
	}
	s.send("error", map[string]any{"error": e, "detail": e.Message})
}

// userOf is the authenticated user of a request (the guard has checked the path).
func userOf(r *http.Request) string { return auth.UserID(r.Context()) }

// confirmation classes a reply to "shall I delete ...?".
type answerKind int

const (
	other answerKind = iota
	yes
	no
)

// confirmation reads a short reply as yes or no; anything longer or different is a new
// request (and the held calls are dropped).
func confirmation(text string) answerKind {
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimRight(t, ".!? ")
	switch t {
	case "y", "yes", "yes please", "yep", "yeah", "sure", "ok", "okay", "confirm", "confirmed", "do it", "go ahead",
		"yes delete it", "yes, delete it", "delete it", "please do", "yes do it", "yes, do it":
		return yes
	case "n", "no", "nope", "cancel", "don't", "do not", "no thanks", "no, thanks", "keep it", "stop", "never mind", "nevermind", "abort":
		return no
	}
	return other
}
