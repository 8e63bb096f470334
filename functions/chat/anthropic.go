package chat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// AnthropicConfig selects Anthropic's Messages API (or a gateway that speaks it).
type AnthropicConfig struct {
	APIKey     string // ANTHROPIC_API_KEY
	BaseURL    string // ANTHROPIC_BASE_URL, optional
	Model      string // CHAT_MODEL
	MaxRetries int
	// MaxTokens bounds one answer (Anthropic requires a bound).
	MaxTokens  int64
	HTTPClient *http.Client
}

// Anthropic is the Model of Anthropic's Messages API, through the official SDK. It fits
// the same loop as OpenAI: a tool_use block is a tool call, and a run of tool results goes
// back as one user message of tool_result blocks.
type Anthropic struct {
	client    anthropic.Client
	model     string
	maxTokens int64
}

// NewAnthropic returns the provider for cfg.
func NewAnthropic(cfg AnthropicConfig) *Anthropic {
	opts := []option.RequestOption{option.WithAPIKey(cfg.APIKey), option.WithMaxRetries(cfg.MaxRetries)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	max := cfg.MaxTokens
	if max <= 0 {
		max = 1024
	}
	return &Anthropic{client: anthropic.NewClient(opts...), model: cfg.Model, maxTokens: max}
}

// Complete sends one Messages request, streamed when onDelta is set.
func (a *Anthropic) Complete(ctx context.Context, req Request, onDelta func(string)) (Completion, error) {
	params := anthropic.MessageNewParams{Model: anthropic.Model(a.model), MaxTokens: a.maxTokens, Messages: toAnthropic(req.Messages)}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	for _, t := range req.Tools {
		schema, err := anthropicSchema(t.Parameters)
		if err != nil {
			return Completion{}, err
		}
		params.Tools = append(params.Tools, anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
			Name: t.Name, Description: anthropic.String(t.Description), InputSchema: schema,
		}})
	}
	var msg anthropic.Message
	if onDelta == nil {
		res, err := a.client.Messages.New(ctx, params)
		if err != nil {
			return Completion{}, anthropicError(err)
		}
		msg = *res
	} else {
		stream := a.client.Messages.NewStreaming(ctx, params)
		for stream.Next() {
			ev := stream.Current()
			if err := msg.Accumulate(ev); err != nil {
				return Completion{}, &ModelError{Err: err}
			}
			if ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
				onDelta(ev.Delta.Text)
			}
		}
		if err := stream.Err(); err != nil {
			return Completion{}, anthropicError(err)
		}
	}
	out := Completion{Usage: Usage{InputTokens: msg.Usage.InputTokens, OutputTokens: msg.Usage.OutputTokens}}
	for _, b := range msg.Content {
		switch b.Type {
		case "text":
			out.Content += b.Text
		case "tool_use":
			out.ToolCalls = append(out.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: string(b.Input)})
		}
	}
	return out, nil
}

// toAnthropic maps the loop's messages: consecutive tool results become one user message
// of tool_result blocks, as the Messages API requires.
func toAnthropic(ms []ModelMessage) []anthropic.MessageParam {
	var out []anthropic.MessageParam
	var results []anthropic.ContentBlockParamUnion
	flush := func() {
		if len(results) > 0 {
			out = append(out, anthropic.NewUserMessage(results...))
			results = nil
		}
	}
	for _, m := range ms {
		switch m.Role {
		case ModelTool:
			results = append(results, anthropic.NewToolResultBlock(m.ToolCallID, m.Content, false))
			continue
		case ModelAssistant:
			flush()
			var blocks []anthropic.ContentBlockParamUnion
			if m.Content != "" {
				blocks = append(blocks, anthropic.NewTextBlock(m.Content))
			}
			for _, tc := range m.ToolCalls {
				input := json.RawMessage(tc.Arguments)
				if !json.Valid(input) {
					input = json.RawMessage("{}")
				}
				blocks = append(blocks, anthropic.NewToolUseBlock(tc.ID, input, tc.Name))
			}
			if len(blocks) > 0 {
				out = append(out, anthropic.NewAssistantMessage(blocks...))
			}
		default:
			flush()
			out = append(out, anthropic.NewUserMessage(anthropic.NewTextBlock(m.Content)))
		}
	}
	flush()
	return out
}

// anthropicSchema splits a tool's JSON Schema object into the SDK's input schema: its
// properties and required list, and every other keyword (additionalProperties,
// description) as extra fields, unchanged.
func anthropicSchema(raw json.RawMessage) (anthropic.ToolInputSchemaParam, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return anthropic.ToolInputSchemaParam{}, err
	}
	s := anthropic.ToolInputSchemaParam{Properties: m["properties"], ExtraFields: map[string]any{}}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				s.Required = append(s.Required, name)
			}
		}
	}
	for k, v := range m {
		if k != "properties" && k != "required" && k != "type" {
			s.ExtraFields[k] = v
		}
	}
	return s, nil
}

func anthropicError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		return &ModelError{Status: apiErr.StatusCode, Err: err}
	}
	return &ModelError{Err: err}
}
