package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Model is a language model that can call tools: one completion per call. The agent loop
// (Agent) owns the conversation, the tools and the limits; a provider only translates.
type Model interface {
	// Complete answers the request. onDelta, when not nil, receives the answer's text as
	// it is generated (for streaming); the full answer is returned either way.
	Complete(ctx context.Context, req Request, onDelta func(string)) (Completion, error)
}

// Request is one round of the loop: the system prompt, the conversation so far and the
// tools the model may call.
type Request struct {
	System   string
	Messages []ModelMessage
	Tools    []ToolSpec
}

// ToolSpec is a tool as a model sees it.
type ToolSpec struct {
	Name        string
	Description string
	Parameters  json.RawMessage // a JSON Schema object
	Strict      bool
}

// ModelRole is who wrote a model message.
type ModelRole string

// The roles a model reads.
const (
	ModelUser      ModelRole = "user"
	ModelAssistant ModelRole = "assistant"
	ModelTool      ModelRole = "tool"
)

// ModelMessage is one message of the model's context: the user's text, the assistant's
// text and tool calls, or a tool's result (for the call with ToolCallID).
type ModelMessage struct {
	Role       ModelRole
	Content    string
	ToolCalls  []ToolCall
	ToolCallID string
}

// ToolCall is a model's request to run a tool with JSON arguments.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
}

// Completion is a model's answer: text, tool calls, or both.
type Completion struct {
	Content   string
	ToolCalls []ToolCall
	Usage     Usage
}

// Usage counts the tokens of one completion.
type Usage struct {
	InputTokens, OutputTokens int64
}

// ModelError is a provider failure after its own retries: the model was unreachable,
// refused the request, or kept answering 429 or 5xx. Status is the last HTTP status (0
// when there was none).
type ModelError struct {
	Status int
	Err    error
}

func (e *ModelError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("the language model answered HTTP %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("the language model could not be reached: %v", e.Err)
}

func (e *ModelError) Unwrap() error { return e.Err }

// isModelError reports whether err came from the provider.
func isModelError(err error) bool {
	var me *ModelError
	return errors.As(err, &me)
}
