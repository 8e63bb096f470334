package chat_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskline/taskline/functions/chat"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/runtime/apitest"
)

// anthropicRequest is the part of a Messages API request the test looks at.
type anthropicRequest struct {
	Stream   bool `json:"stream"`
	System   []struct{ Text string }
	Messages []struct {
		Role    string `json:"role"`
		Content []struct {
			Type      string          `json:"type"`
			Text      string          `json:"text"`
			ToolUseID string          `json:"tool_use_id"`
			Name      string          `json:"name"`
			Input     json.RawMessage `json:"input"`
			Content   json.RawMessage `json:"content"`
		} `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string         `json:"name"`
		InputSchema map[string]any `json:"input_schema"`
	} `json:"tools"`
}

// fakeAnthropic speaks the Messages API: the first request gets a tool_use of list_tasks,
// a request ending in its tool_result gets text. Streaming requests get the event stream.
func fakeAnthropic(t *testing.T) (*httptest.Server, func() []anthropicRequest) {
	var mu sync.Mutex
	var reqs []anthropicRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req anthropicRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		last := req.Messages[len(req.Messages)-1]
		toolUse := last.Role == "user" && last.Content[0].Type == "text"
		content := []map[string]any{{"type": "text", "text": "You have one task."}}
		stop := "end_turn"
		if toolUse {
			content = []map[string]any{{"type": "text", "text": "Let me look."},
				{"type": "tool_use", "id": "toolu_1", "name": "list_tasks", "input": map[string]any{"status": "pending"}}}
			stop = "tool_use"
		}
		usage := map[string]any{"input_tokens": 50, "output_tokens": 5}
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
				"content": content, "stop_reason": stop, "stop_sequence": nil, "usage": usage})
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		ev := func(name string, v map[string]any) {
			v["type"] = name
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		}
		ev("message_start", map[string]any{"message": map[string]any{"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
			"content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": usage}})
		for i, c := range content {
			if c["type"] == "text" {
				ev("content_block_start", map[string]any{"index": i, "content_block": map[string]any{"type": "text", "text": ""}})
				for _, word := range strings.SplitAfter(c["text"].(string), " ") {
					ev("content_block_delta", map[string]any{"index": i, "delta": map[string]any{"type": "text_delta", "text": word}})
				}
			} else {
				ev("content_block_start", map[string]any{"index": i, "content_block": map[string]any{"type": "tool_use", "id": c["id"], "name": c["name"], "input": map[string]any{}}})
				in, _ := json.Marshal(c["input"])
				ev("content_block_delta", map[string]any{"index": i, "delta": map[string]any{"type": "input_json_delta", "partial_json": string(in)}})
			}
			ev("content_block_stop", map[string]any{"index": i})
		}
		ev("message_delta", map[string]any{"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 5}})
		ev("message_stop", map[string]any{})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []anthropicRequest { mu.Lock(); defer mu.Unlock(); return slices.Clone(reqs) }
}

// The Anthropic provider runs the same loop: a tool_use is a tool call, its result goes
// back as a tool_result, and the answer streams.
func TestAgentWithAnthropic(t *testing.T) {
	t.Parallel()
	srv, requests := fakeAnthropic(t)
	api := apitest.NewNamed(t, chat.Name, func(d *runtime.Deps) []runtime.Route {
		cfg := chat.Config{MaxRounds: 4, Timeout: 10 * time.Second,
			Anthropic: chat.AnthropicConfig{APIKey: "test", BaseURL: srv.URL, Model: "claude-test"}}
		return chat.New(d.Store, cfg, d.Log).Routes(d.Errors)
	})
	task := addTask(t, api, "ann", "Water plants", nil)

	res := send(t, api, "ann", "what is pending?", 0)
	if got := tools(res); !slices.Equal(got, []string{"list_tasks:true"}) || res.Response != "Let me look.\n\nYou have one task." {
		t.Fatalf("answer %q, calls %v", res.Response, got)
	}
	reqs := requests()
	if len(reqs) != 2 || len(reqs[0].Tools) < 9 || reqs[0].Tools[0].InputSchema["type"] != "object" || len(reqs[0].System) != 1 {
		t.Fatalf("requests %+v", reqs)
	}
	second := reqs[1].Messages
	last := second[len(second)-1]
	if last.Role != "user" || last.Content[0].Type != "tool_result" || last.Content[0].ToolUseID != "toolu_1" ||
		!strings.Contains(string(last.Content[0].Content), fmt.Sprintf("task %d", task.ID)) {
		t.Errorf("the tool result went back as %+v", last)
	}
	if prev := second[len(second)-2]; prev.Role != "assistant" || prev.Content[1].Type != "tool_use" || prev.Content[1].Name != "list_tasks" {
		t.Errorf("the assistant's tool_use went back as %+v", prev)
	}

	evs := stream(t, api, "ann", "what is pending now?")
	var done chat.Response
	json.Unmarshal([]byte(evs[len(evs)-1].data), &done)
	var deltas int
	for _, e := range evs {
		if e.name == "delta" {
			deltas++
		}
	}
	if done.Response != "Let me look.\n\nYou have one task." || deltas < 4 || len(done.ToolCalls) != 1 {
		t.Errorf("streamed %d deltas, done %+v", deltas, done)
	}
	if !requests()[2].Stream {
		t.Error("the streamed chat did not stream from the model")
	}
}
