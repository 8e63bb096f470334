package chat

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskline/taskline/shared/telemetry"
)

// Described is implemented by models that can name their provider and model for
// telemetry (gen_ai.provider.name, gen_ai.request.model).
type Described interface {
	Describe() (provider, model string)
}

func describe(m Model) (string, string) {
	if d, ok := m.(Described); ok {
		return d.Describe()
	}
	return "unknown", "unknown"
}

// Describe implements Described.
func (o *OpenAI) Describe() (string, string) { return "openai", o.model }

// Describe implements Described.
func (a *Anthropic) Describe() (string, string) { return "anthropic", a.model }

// complete is one model round with its client span (the OpenTelemetry GenAI conventions:
// "chat <model>", with the tokens used) and its duration and token metrics.
func (a *Agent) complete(ctx context.Context, req Request, onDelta func(string)) (Completion, error) {
	provider, model := describe(a.Model)
	ctx, span := telemetry.Start(ctx, "chat "+model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.provider.name", provider),
		attribute.String("gen_ai.request.model", model)))
	start := time.Now()
	c, err := a.Model.Complete(ctx, req, onDelta)
	errType := ""
	if err != nil {
		errType = "error"
	}
	telemetry.LLMDuration.WithLabelValues(provider, model, errType).Observe(time.Since(start).Seconds())
	if c.Usage.InputTokens > 0 || c.Usage.OutputTokens > 0 {
		telemetry.LLMTokens.WithLabelValues(provider, "input").Observe(float64(c.Usage.InputTokens))
		telemetry.LLMTokens.WithLabelValues(provider, "output").Observe(float64(c.Usage.OutputTokens))
	}
	span.SetAttributes(attribute.Int64("gen_ai.usage.input_tokens", c.Usage.InputTokens),
		attribute.Int64("gen_ai.usage.output_tokens", c.Usage.OutputTokens), attribute.Int("taskline.chat.tool_calls", len(c.ToolCalls)))
	telemetry.End(span, err)
	return c, err
}

// assistantName labels taskline_chat_turns_total.
func assistantName(a Assistant) string {
	if ag, ok := a.(*Agent); ok {
		p, _ := describe(ag.Model)
		return p
	}
	return "builtin"
}
