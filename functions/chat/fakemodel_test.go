package chat_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeModel is an OpenAI-protocol chat completions server inside the test: each request is
// answered by the next step of a script, which sees the request the SDK sent (messages and
// tools). It answers streaming requests with chunks, as OpenAI does.
type fakeModel struct {
	t    testing.TB
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []modelRequest
	// steps answer requests in order; the last one repeats.
	steps []step
	// release, when set, is closed to free hanging steps.
	release chan struct{}
}

// step answers one request.
type step func(req modelRequest) reply

// reply is a scripted answer.
type reply struct {
	status  int // an HTTP error status instead of an answer
	content string
	calls   []scriptedCall
	hang    bool // never answer (until the client gives up)
}

type scriptedCall struct {
	name string
	args string
}

// modelRequest is the part of a chat completions request the tests look at.
type modelRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role       string `json:"role"`
		Content    any    `json:"content"`
		ToolCallID string `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name       string         `json:"name"`
			Parameters map[string]any `json:"parameters"`
			Strict     bool           `json:"strict"`
		} `json:"function"`
	} `json:"tools"`
}

// text returns message i's content as text.
func (r modelRequest) text(i int) string {
	switch c := r.Messages[i].Content.(type) {
	case string:
		return c
	case nil:
		return ""
	default:
		b, _ := json.Marshal(c)
		return string(b)
	}
}

// last returns the last message's role and text.
func (r modelRequest) last() (string, string) {
	i := len(r.Messages) - 1
	return r.Messages[i].Role, r.text(i)
}

// all is every message's text, joined (to look for what the model was told).
func (r modelRequest) all() string {
	var b strings.Builder
	for i := range r.Messages {
		b.WriteString(r.Messages[i].Role + ": " + r.text(i) + "\n")
	}
	return b.String()
}

func newFakeModel(t testing.TB, steps ...step) *fakeModel {
	f := &fakeModel{t: t, steps: steps, release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.release)
		f.srv.Close()
	})
	return f
}

// BaseURL is what OPENAI_BASE_URL would be.
func (f *fakeModel) BaseURL() string { return f.srv.URL + "/v1" }

func (f *fakeModel) requests() []modelRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]modelRequest(nil), f.reqs...)
}

func (f *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req modelRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, req)
	st := f.steps[min(n, len(f.steps)-1)]
	f.mu.Unlock()
	rep := st(req)
	switch {
	case rep.hang:
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	case rep.status != 0:
		// A zero Retry-After keeps the SDK's backoff out of the test's time.
		w.Header().Set("Retry-After-Ms", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		fmt.Fprintf(w, `{"error":{"message":"scripted %d","type":"test"}}`, rep.status)
		return
	}
	var calls []map[string]any
	for i, c := range rep.calls {
		calls = append(calls, map[string]any{"index": i, "id": fmt.Sprintf("call_%d_%d", n, i), "type": "function",
			"function": map[string]any{"name": c.name, "arguments": c.args}})
	}
	finish := "stop"
	if len(calls) > 0 {
		finish = "tool_calls"
	}
	usage := map[string]any{"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
	if !req.Stream {
		msg := map[string]any{"role": "assistant", "content": rep.content}
		if len(calls) > 0 {
			msg["tool_calls"] = calls
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
			"usage":   usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := func(delta map[string]any, finish any, usage any) {
		c := map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		if usage != nil {
			c["choices"], c["usage"] = []any{}, usage
		}
		b, _ := json.Marshal(c)
		fmt.Fprintf(w, "data: %s\n\n", b)
		w.(http.Flusher).Flush()
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil, nil)
	// The text arrives word by word.
	for _, word := range strings.SplitAfter(rep.content, " ") {
		if word != "" {
			chunk(map[string]any{"content": word}, nil, nil)
		}
	}
	if len(calls) > 0 {
		chunk(map[string]any{"tool_calls": calls}, nil, nil)
	}
	chunk(map[string]any{}, finish, nil)
	chunk(nil, nil, usage)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// say answers with text.
func say(text string) step { return func(modelRequest) reply { return reply{content: text} } }

// calls answers with tool calls.
func calls(cs ...scriptedCall) step {
	return func(modelRequest) reply { return reply{calls: cs} }
}

func call(name, args string) scriptedCall { return scriptedCall{name, args} }

// fail answers with an HTTP error.
func fail(status int) step { return func(modelRequest) reply { return reply{status: status} } }
