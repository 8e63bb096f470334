// Package chat is the chat function: people manage their tasks by talking to Taskline.
//
//	POST   /api/{user_id}/chat                        {"message", "conversation_id"?} -> the answer
//	GET    /api/{user_id}/conversations               most recently updated first
//	GET    /api/{user_id}/conversations/{id}/messages oldest first
//	DELETE /api/{user_id}/conversations/{id}
//
// A message is answered by a language model when one is configured (OPENAI_API_KEY or
// OPENAI_BASE_URL, with CHAT_MODEL: OpenAI or any OpenAI-compatible server such as Ollama),
// otherwise by the built-in assistant, a deterministic parser of intents and dates. Either
// calls the same tools as the MCP server (shared/tool), for the user the token names, with
// the same events (source /functions/chat). Deletes wait for the user's "yes".
//
// No transaction is open while the model thinks: the user's message is recorded first,
// the model and the tools run, then the answer is recorded.
package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/shared/todo"
	"github.com/taskline/taskline/shared/tool"
)

// Name is the function's name; Source the CloudEvents source of the events its tool calls
// cause.
const (
	Name   = "chat"
	Source = "/functions/" + Name
)

// Store is what the chat needs of the store: the tools' methods, the user's profile and
// the conversations.
type Store interface {
	tool.Store
	StartTurn(ctx context.Context, userID string, convID int64, text string, limit int) (todo.Turn, error)
	FinishTurn(ctx context.Context, userID string, convID int64, reply todo.Message, pending []todo.PendingCall) (todo.Message, error)
	ListConversations(ctx context.Context, userID string, limit int) ([]todo.Conversation, error)
	ConversationMessages(ctx context.Context, userID string, convID int64, limit int) ([]todo.Message, error)
	DeleteConversation(ctx context.Context, userID string, convID int64) error
}

// Config is the chat's configuration from the environment.
type Config struct {
	OpenAI OpenAIConfig
	// Anthropic is used instead when ANTHROPIC_API_KEY is set (and no OpenAI variable).
	Anthropic AnthropicConfig
	// MaxRounds bounds the model's tool rounds per message (CHAT_MAX_ROUNDS, default 6).
	MaxRounds int
	// Timeout bounds the work on one message (CHAT_TIMEOUT, default 90s).
	Timeout time.Duration
	// StrictTools sends the tools in OpenAI's strict form (CHAT_STRICT_TOOLS).
	StrictTools bool
}

// LLM reports whether a language model is configured.
func (c Config) LLM() bool { return c.openAI() || c.anthropic() }

func (c Config) openAI() bool    { return c.OpenAI.APIKey != "" || c.OpenAI.BaseURL != "" }
func (c Config) anthropic() bool { return c.Anthropic.APIKey != "" }

// Model is the configured model's provider, nil when none is.
func (c Config) Model() Model {
	switch {
	case c.openAI():
		return NewOpenAI(c.OpenAI)
	case c.anthropic():
		return NewAnthropic(c.Anthropic)
	}
	return nil
}

// ModelName names the configured model, for logs.
func (c Config) ModelName() string {
	if c.anthropic() && !c.openAI() {
		return "anthropic " + c.Anthropic.Model
	}
	return c.OpenAI.Model
}

// ConfigFromEnv reads the chat's variables.
func ConfigFromEnv() (Config, error) {
	c := Config{
		OpenAI: OpenAIConfig{
			APIKey: os.Getenv("OPENAI_API_KEY"), BaseURL: os.Getenv("OPENAI_BASE_URL"),
			Model: os.Getenv("CHAT_MODEL"), MaxRetries: defaultRetries,
		},
		Anthropic: AnthropicConfig{
			APIKey: os.Getenv("ANTHROPIC_API_KEY"), BaseURL: os.Getenv("ANTHROPIC_BASE_URL"),
			Model: os.Getenv("CHAT_MODEL"), MaxRetries: defaultRetries,
		},
		MaxRounds: 6, Timeout: defaultTimeout,
	}
	if v := os.Getenv("CHAT_MAX_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return c, fmt.Errorf("CHAT_MAX_ROUNDS must be a number from 1 to 50, not %q", v)
		}
		c.MaxRounds = n
	}
	if v := os.Getenv("CHAT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("CHAT_TIMEOUT must be a duration such as 90s, not %q", v)
		}
		c.Timeout = d
	}
	c.StrictTools, _ = strconv.ParseBool(os.Getenv("CHAT_STRICT_TOOLS"))
	if c.openAI() && c.anthropic() {
		return c, errors.New("set the OPENAI_* or the ANTHROPIC_* variables, not both: which model should answer?")
	}
	if c.openAI() && c.OpenAI.Model == "" {
		if c.OpenAI.BaseURL != "" {
			return c, errors.New("CHAT_MODEL is required with OPENAI_BASE_URL (e.g. CHAT_MODEL=llama3.1 for Ollama)")
		}
		c.OpenAI.Model = "gpt-4o-mini"
	}
	if c.anthropic() && c.Anthropic.Model == "" {
		c.Anthropic.Model = "claude-sonnet-4-5"
	}
	return c, nil
}

// Service answers chat messages.
type Service struct {
	Store     Store
	Assistant Assistant
	Log       *slog.Logger
	Timeout   time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New builds the service from the configuration: the model's agent when one is
// configured, the built-in assistant otherwise.
func New(s Store, cfg Config, log *slog.Logger) *Service {
	var a Assistant = Builtin{}
	if m := cfg.Model(); m != nil {
		a = &Agent{Model: m, MaxRounds: cfg.MaxRounds, StrictTools: cfg.StrictTools}
	}
	return &Service{Store: s, Assistant: a, Log: log, Timeout: cfg.Timeout, Now: time.Now}
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	cfg, err := ConfigFromEnv()
	if err != nil {
		// A misconfigured model must not pass for the built-in assistant.
		panic(fmt.Sprintf("chat: %v", err))
	}
	if cfg.LLM() {
		d.Log.Info("chat answers with a language model", "model", cfg.ModelName())
	} else {
		d.Log.Info("chat answers with the built-in assistant (no OPENAI_API_KEY, OPENAI_BASE_URL or ANTHROPIC_API_KEY)")
	}
	return New(d.Store, cfg, d.Log).Routes(d.Errors)
}

// Routes are the service's endpoints, errors written by ew.
func (s *Service) Routes(ew runtime.ErrorWriter) []runtime.Route {
	return []runtime.Route{
		{Pattern: "POST /api/{user_id}/chat", Handler: ew.HandlerFunc(s.handleChat), Doc: &openapi.Operation{
			Tag: "Chat", Summary: "Send a message to the assistant", Body: todo.ChatInput{}, Response: Response{},
			Stream: "text/event-stream",
			Description: "Without conversation_id a new conversation is made. The assistant acts through the same tools " +
				"as MCP, for the token's user only. With Accept: text/event-stream the answer is server-sent events " +
				"ending in the same object.",
		}},
		{Pattern: "GET /api/{user_id}/conversations", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			limit, err := limitParam(r, 50, 200)
			if err != nil {
				return nil, err
			}
			return s.Store.ListConversations(r.Context(), user, limit)
		}), Doc: &openapi.Operation{Tag: "Chat", Summary: "List conversations", Response: []todo.Conversation{},
			Description: "Most recently updated first.",
			Query:       []openapi.Param{{Name: "limit", Type: "integer", Min: 1, Max: 200, Description: "Default 50."}}}},
		{Pattern: "GET /api/{user_id}/conversations/{id}/messages", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			limit, err := limitParam(r, 100, 500)
			if err != nil {
				return nil, err
			}
			return s.Store.ConversationMessages(r.Context(), user, id, limit)
		}), Doc: &openapi.Operation{Tag: "Chat", Summary: "Read a conversation", Response: []todo.Message{},
			Description: "Oldest first.",
			Query:       []openapi.Param{{Name: "limit", Type: "integer", Min: 1, Max: 500, Description: "Default 100."}}}},
		{Pattern: "DELETE /api/{user_id}/conversations/{id}", Handler: ew.JSON(http.StatusNoContent, func(r *http.Request, user string) (any, error) {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			return nil, s.Store.DeleteConversation(r.Context(), user, id)
		}), Doc: &openapi.Operation{Tag: "Chat", Summary: "Delete a conversation"}},
	}
}

func limitParam(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, todo.Errorf(todo.Invalid, "limit", "limit must be a whole number from 1 to %d", max)
	}
	return n, nil
}

// Response is the answer to POST /chat.
type Response struct {
	ConversationID int64                 `json:"conversation_id"`
	Response       string                `json:"response"`
	ToolCalls      []todo.ToolCallResult `json:"tool_calls"`
	// MessageID is the stored assistant message.
	MessageID int64 `json:"message_id"`
	// Incomplete is set when the assistant could not finish: the answer then says why, and
	// a client can show it as a failure rather than as the assistant's words.
	Incomplete *Incomplete `json:"incomplete,omitempty"`
}

// Incomplete says why an answer was cut short.
type Incomplete struct {
	// Reason is model_unavailable (the model answered 429/5xx after retries),
	// model_unreachable, timeout (CHAT_TIMEOUT), round_limit (CHAT_MAX_ROUNDS) or internal.
	Reason string `json:"reason" jsonschema:"model_unavailable, model_unreachable, timeout, round_limit or internal"`
	// Retryable is true when the same message may work later.
	Retryable bool `json:"retryable"`
}

// Reply answers one message of userID's: the whole turn, from recording the message to
// recording the answer. events, when not nil, is told of text and tool calls as they
// happen.
func (s *Service) Reply(ctx context.Context, userID string, in todo.ChatInput, events Events) (Response, error) {
	if events == nil {
		events = noEvents{}
	}
	var convID int64
	if in.ConversationID != nil {
		convID = *in.ConversationID
	}
	turn, err := s.Store.StartTurn(ctx, userID, convID, in.Message, todo.ChatContext)
	if err != nil {
		return Response{}, err
	}
	events.Start(turn.Conversation.ID)
	profile, err := s.Store.Profile(ctx, userID)
	if err != nil {
		return Response{}, err
	}
	box := newToolbox(s.Store, userID, s.Log, events.ToolCall)
	box.loc = profile.Location()

	work, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	text, handled := s.answerPending(work, box, turn.Pending, in.Message)
	var incomplete *Incomplete
	if !handled {
		ans, err := s.Assistant.Reply(work, &TurnContext{History: turn.History, Now: s.Now(), Loc: box.loc, Tools: box, Delta: events.Delta})
		text = ans.Text
		outcome := "ok"
		if err != nil {
			text, incomplete = s.failure(ctx, userID, err, box, text)
			outcome = "error"
		}
		telemetry.ChatTurns.WithLabelValues(assistantName(s.Assistant), outcome).Inc()
	} else {
		events.Delta(text)
	}
	// The answer is recorded even when the client has gone: the tools ran.
	msg, err := s.Store.FinishTurn(context.WithoutCancel(ctx), userID, turn.Conversation.ID,
		todo.Message{Content: text, ToolCalls: box.calls}, box.pending)
	if err != nil {
		return Response{}, err
	}
	return Response{ConversationID: turn.Conversation.ID, Response: text, ToolCalls: box.calls, MessageID: msg.ID, Incomplete: incomplete}, nil
}

// answerPending settles the calls waiting for confirmation: a yes runs them, a no drops
// them, and anything else drops them and is answered as a new request.
func (s *Service) answerPending(ctx context.Context, box *Toolbox, pending []todo.PendingCall, text string) (string, bool) {
	if len(pending) == 0 {
		return "", false
	}
	switch confirmation(text) {
	case yes:
		box.Confirmed(ctx, pending)
		var lines []string
		for _, c := range box.calls {
			if c.Success {
				lines = append(lines, "Done: "+c.Summary)
			} else if c.Error != nil {
				lines = append(lines, "Could not "+c.Tool+": "+*c.Error)
			}
		}
		return strings.Join(lines, "\n"), true
	case no:
		var what []string
		for _, c := range pending {
			what = append(what, c.What)
		}
		return "OK, I did not " + strings.Join(what, ", ") + ".", true
	}
	return "", false
}

// failure is the answer when the assistant could not finish, logged once here.
func (s *Service) failure(ctx context.Context, userID string, err error, box *Toolbox, partial string) (string, *Incomplete) {
	var why string
	var me *ModelError
	inc := &Incomplete{Retryable: true}
	switch {
	case errors.Is(err, errRounds):
		why, inc.Reason, inc.Retryable = "I stopped after too many steps without finishing.", "round_limit", false
	case errors.Is(err, context.DeadlineExceeded):
		why, inc.Reason = "I ran out of time before finishing.", "timeout"
	case errors.As(err, &me) && (me.Status == http.StatusTooManyRequests || me.Status >= 500):
		why, inc.Reason = fmt.Sprintf("The language model is not answering right now (HTTP %d, after retries). Please try again in a minute.", me.Status), "model_unavailable"
	case errors.As(err, &me):
		why, inc.Reason = "I could not reach the language model. Please try again later.", "model_unreachable"
	default:
		why, inc.Reason = "Something went wrong on our side. Please try again.", "internal"
	}
	s.Log.ErrorContext(ctx, "chat reply failed", "user_id", userID, "err", err)
	done := 0
	for _, c := range box.calls {
		if c.Success {
			done++
		}
	}
	if done > 0 {
		why += fmt.Sprintf(" %d action(s) before that did go through; they are listed below.", done)
	} else {
		why += " Nothing was changed."
	}
	if partial != "" {
		return partial + "\n\n" + why, inc
	}
	return why, inc
}

func (s *Service) handleChat(w http.ResponseWriter, r *http.Request) error {
	in, err := runtime.Body[todo.ChatInput](r)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	user := userOf(r)
	if !wantsStream(r) {
		res, err := s.Reply(r.Context(), user, in, nil)
		if err != nil {
			return err
		}
		runtime.WriteJSON(w, http.StatusOK, res)
		return nil
	}
	sse, err := newSSE(w)
	if err != nil {
		return err
	}
	res, err := s.Reply(r.Context(), user, in, sse)
	if err != nil {
		if !sse.started {
			return err // nothing sent yet: an ordinary error answer
		}
		sse.fail(r.Context(), s.Log, err)
		return nil
	}
	sse.send("done", res)
	return nil
}

// wantsStream reports whether the client asked for server-sent events.
func wantsStream(r *http.Request) bool {
	for _, a := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, _ := strings.Cut(strings.TrimSpace(a), ";"); strings.EqualFold(mt, "text/event-stream") {
			return true
		}
	}
	return false
}
