package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/taskline/taskline/bench/load"
	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/shared/intent"
)

// ScriptedModel is an OpenAI-protocol chat completions server in the benchmark's process:
// a model whose own time is known and near zero. Its first answer in a turn calls
// list_tasks, its second answers in text, which is the shape of most chat messages (read,
// then say). The local binary is started with OPENAI_BASE_URL pointing at it, so the chat
// scenario measures what Taskline adds around a model: two model round trips, the tool
// call, the conversation's reads and writes.
type ScriptedModel struct {
	srv *http.Server
	URL string // what OPENAI_BASE_URL is set to
	mu  sync.Mutex
	// spent is the time the model itself took, summed over its answers.
	spent time.Duration
	calls int
}

// StartScriptedModel listens on 127.0.0.1.
func StartScriptedModel() (*ScriptedModel, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &ScriptedModel{URL: "http://" + l.Addr().String() + "/v1"}
	m.srv = &http.Server{Handler: http.HandlerFunc(m.serve), ReadHeaderTimeout: 5 * time.Second}
	go m.srv.Serve(l)
	return m, nil
}

// Close stops the server.
func (m *ScriptedModel) Close() { m.srv.Close() }

// Answer is the scripted reply to a chat completions request body: a list_tasks call when
// the last message is the user's, text after a tool result.
func (m *ScriptedModel) Answer(body []byte) []byte {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role string `json:"role"`
		} `json:"messages"`
	}
	json.Unmarshal(body, &req)
	msg := map[string]any{"role": "assistant", "content": "You have a few tasks; the next one is due tomorrow."}
	finish := "stop"
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "user" {
		msg = map[string]any{"role": "assistant", "content": "", "tool_calls": []any{map[string]any{
			"id": "call_1", "type": "function", "function": map[string]any{"name": "list_tasks", "arguments": `{"status":"pending","limit":5}`}}}}
		finish = "tool_calls"
	}
	b, _ := json.Marshal(map[string]any{"id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 500, "completion_tokens": 20, "total_tokens": 520}})
	return b
}

func (m *ScriptedModel) serve(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	body, _ := io.ReadAll(r.Body)
	b := m.Answer(body)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
	m.mu.Lock()
	m.spent += time.Since(t0)
	m.calls++
	m.mu.Unlock()
}

func (m *ScriptedModel) take() (time.Duration, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, c := m.spent, m.calls
	m.spent, m.calls = 0, 0
	return s, c
}

// Chat is scenario 7: the built-in parser's latency on the phrases its help lists, and a
// chat message's time through the local binary with the scripted model, against the same
// two model round trips made directly (the model's own time as a client sees it).
func Chat(model *ScriptedModel, calls int) Scenario {
	return Scenario{ID: "7 chat", Name: "chat", Run: func(ctx context.Context, e *Env) ([]report.Figure, error) {
		const id = "7 chat"
		var figs []report.Figure

		// The parser, in this process: the same code the chat and quick add run.
		loc, _ := time.LoadLocation("America/New_York")
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
		parseRounds := max(1, calls)
		lat := intent.MeasureLatency(intent.Examples, now, loc, parseRounds)
		base := jsonLatency(intent.Examples, parseRounds)
		figs = append(figs, report.Measured(id, "built-in parser, one message, p99", "ms", ms(lat.P99)).
			WithBaseline("decoding the request's JSON", ms(base)).WithTarget(1, report.LowerIsBetter).
			WithNote("%d messages (the %d phrases of the help, %d rounds); p50 %.3f ms, max %.3f ms",
				lat.Calls, len(intent.Examples), parseRounds, ms(lat.P50), ms(lat.Max)))

		if model == nil {
			return append(figs, report.Missing(id, "chat overhead beyond the model", "the scripted model did not start")), nil
		}
		// The model's own time as a client sees it: the same two requests, straight to it.
		direct := func(ctx context.Context, n int) error {
			for _, body := range [][]byte{firstModelRequest, secondModelRequest} {
				req, _ := http.NewRequestWithContext(ctx, "POST", model.URL+"/chat/completions", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			return nil
		}
		user := "bench-chat"
		post := func(ctx context.Context, n int) error {
			return e.API.Do(ctx, "POST", user, "/chat", map[string]any{"message": fmt.Sprintf("what is due soon? (%d)", n)}, nil, 200)
		}
		// Warm both paths, then alternate them, one request at a time (a person chats).
		warm := load.Plan{Concurrency: 1, Calls: max(5, calls/10)}
		if _, err := load.Run(ctx, warm, post); err != nil {
			return figs, err
		}
		if _, err := load.Run(ctx, warm, direct); err != nil {
			return figs, err
		}
		model.take()
		var chatRes, directRes load.Result
		part := load.Plan{Concurrency: 1, Calls: max(1, calls/rounds)}
		for range rounds {
			d, err := load.Run(ctx, part, direct)
			if err != nil {
				return figs, err
			}
			c, err := load.Run(ctx, part, post)
			if err != nil {
				return figs, err
			}
			directRes = merge(directRes, d)
			chatRes = merge(chatRes, c)
		}
		if chatRes.Errors > 0 {
			return figs, fmt.Errorf("chat: %d of %d requests failed, first: %v", chatRes.Errors, chatRes.Errors+chatRes.Calls, chatRes.FirstError)
		}
		spent, modelCalls := model.take()
		p50 := ms(chatRes.Latencies.Quantile(0.5)) - ms(directRes.Latencies.Quantile(0.5))
		p99 := ms(chatRes.Latencies.Quantile(0.99)) - ms(directRes.Latencies.Quantile(0.99))
		figs = append(figs,
			report.Measured(id, "POST /chat beyond the model's own time, p50", "ms", p50).
				WithBaseline("the 2 model round trips made directly, p50", ms(directRes.Latencies.Quantile(0.5))).
				WithTarget(5, report.LowerIsBetter).
				WithNote("a message = 2 model rounds + 1 tool call (list_tasks) + the conversation's writes; chat p50 %.2f ms over %d messages; "+
					"the model spent %.3f ms per answer inside its handler", ms(chatRes.Latencies.Quantile(0.5)), chatRes.Calls,
					ms(spent)/float64(max(1, modelCalls))),
			report.Measured(id, "POST /chat beyond the model's own time, p99", "ms", p99).
				WithBaseline("the 2 model round trips made directly, p99", ms(directRes.Latencies.Quantile(0.99))).
				WithNote("chat p99 %.2f ms", ms(chatRes.Latencies.Quantile(0.99))),
		)
		return figs, nil
	}}
}

// merge adds b's calls to a.
func merge(a, b load.Result) load.Result {
	a.Calls += b.Calls
	a.Errors += b.Errors
	if a.FirstError == nil {
		a.FirstError = b.FirstError
	}
	a.Elapsed += b.Elapsed
	a.Latencies = load.Sorted(append(append([]time.Duration(nil), a.Latencies...), b.Latencies...))
	return a
}

// The two requests a turn sends the model, as a baseline needs them (a small context).
var (
	firstModelRequest  = []byte(`{"model":"bench","messages":[{"role":"system","content":"You are Taskline's assistant."},{"role":"user","content":"what is due soon?"}]}`)
	secondModelRequest = []byte(`{"model":"bench","messages":[{"role":"system","content":"You are Taskline's assistant."},{"role":"user","content":"what is due soon?"},` +
		`{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"list_tasks","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"No tasks match."}]}`)
)

// jsonLatency is the p99 of decoding a chat request's body for each message: the least
// work any request does, as the parser's baseline.
func jsonLatency(messages []string, rounds int) time.Duration {
	var ls load.Latencies
	for range rounds {
		for _, m := range messages {
			body := []byte(`{"message":` + fmt.Sprintf("%q", m) + `,"conversation_id":12}`)
			t0 := time.Now()
			var v struct {
				Message        string `json:"message"`
				ConversationID int64  `json:"conversation_id"`
			}
			json.NewDecoder(bytes.NewReader(body)).Decode(&v)
			_ = strings.TrimSpace(v.Message)
			ls = append(ls, time.Since(t0))
		}
	}
	return ls.Quantile(0.99)
}
