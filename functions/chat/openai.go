package chat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// OpenAIConfig selects an OpenAI-compatible chat completions endpoint: OpenAI itself, an
// Azure-style gateway, Ollama, vLLM, llama.cpp's server or LM Studio.
type OpenAIConfig struct {
	APIKey  string // OPENAI_API_KEY; local servers take any value
	BaseURL string // OPENAI_BASE_URL, e.g. http://localhost:11434/v1 for Ollama
	Model   string // CHAT_MODEL
	// MaxRetries is how often a 408, 409, 429 or 5xx answer (or a broken connection) is
	// retried, with the SDK's exponential backoff that honours Retry-After.
	MaxRetries int
	// HTTPClient, when set, carries the requests (tests).
	HTTPClient *http.Client
}

// OpenAI is the Model of an OpenAI-compatible endpoint, through the official SDK.
type OpenAI struct {
	client openai.Client
	model  string
}

// NewOpenAI returns the provider for cfg.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	key := cfg.APIKey
	if key == "" {
		key = "none" // Ollama and friends want no key, but the SDK sends one
	}
	opts := []option.RequestOption{option.WithAPIKey(key), option.WithMaxRetries(cfg.MaxRetries)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &OpenAI{client: openai.NewClient(opts...), model: cfg.Model}
}

// Complete sends one chat completion request, streamed when onDelta is set.
func (o *OpenAI) Complete(ctx context.Context, req Request, onDelta func(string)) (Completion, error) {
	params := openai.ChatCompletionNewParams{Model: shared.ChatModel(o.model)}
	if req.System != "" {
		params.Messages = append(params.Messages, openai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		params.Messages = append(params.Messages, toOpenAI(m))
	}
	for _, t := range req.Tools {
		var schema map[string]any
		if err := json.Unmarshal(t.Parameters, &schema); err != nil {
			return Completion{}, err
		}
		def := shared.FunctionDefinitionParam{Name: t.Name, Description: openai.String(t.Description), Parameters: schema}
		if t.Strict {
			def.Strict = openai.Bool(true)
		}
		params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(def))
	}
	var msg openai.ChatCompletionMessage
	var usage openai.CompletionUsage
	if onDelta == nil {
		res, err := o.client.Chat.Completions.New(ctx, params)
		if err != nil {
			return Completion{}, providerError(err)
		}
		if len(res.Choices) == 0 {
			return Completion{}, &ModelError{Err: errors.New("the answer had no choices")}
		}
		msg, usage = res.Choices[0].Message, res.Usage
	} else {
		params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		stream := o.client.Chat.Completions.NewStreaming(ctx, params)
		var acc openai.ChatCompletionAccumulator
		for stream.Next() {
			chunk := stream.Current()
			acc.AddChunk(chunk)
			if len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
				onDelta(chunk.Choices[0].Delta.Content)
			}
		}
		if err := stream.Err(); err != nil {
			return Completion{}, providerError(err)
		}
		if len(acc.Choices) == 0 {
			return Completion{}, &ModelError{Err: errors.New("the stream had no choices")}
		}
		msg, usage = acc.Choices[0].Message, acc.Usage
	}
	out := Completion{Content: msg.Content, Usage: Usage{InputTokens: usage.PromptTokens, OutputTokens: usage.CompletionTokens}}
	for _, tc := range msg.ToolCalls {
		out.ToolCalls = append(out.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	return out, nil
}

func toOpenAI(m ModelMessage) openai.ChatCompletionMessageParamUnion {
	switch m.Role {
	case ModelTool:
		return openai.ToolMessage(m.Content, m.ToolCallID)
	case ModelAssistant:
		a := openai.ChatCompletionAssistantMessageParam{}
		if m.Content != "" {
			a.Content.OfString = openai.String(m.Content)
		}
		for _, tc := range m.ToolCalls {
			a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
				OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
					ID:       tc.ID,
					Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: tc.Name, Arguments: tc.Arguments},
				},
			})
		}
		return openai.ChatCompletionMessageParamUnion{OfAssistant: &a}
	}
	return openai.UserMessage(m.Content)
}

// providerError wraps the SDK's error (after its retries) as a ModelError, keeping the
// context's own errors recognisable.
func providerError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return &ModelError{Status: apiErr.StatusCode, Err: err}
	}
	return &ModelError{Err: err}
}

// defaultRetries is how often a failed model request is retried before the user is told.
const defaultRetries = 3

// defaultTimeout bounds one message's whole work: every model round and tool call.
const defaultTimeout = 90 * time.Second
