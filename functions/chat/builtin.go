package chat

import "context"

// Builtin is the assistant used when no language model is configured.
type Builtin struct{}

// Reply is not written yet.
func (Builtin) Reply(ctx context.Context, t *TurnContext) (Answer, error) {
	return Answer{Text: "The built-in assistant is not ready yet."}, nil
}
