// Package telemetry is how every Taskline process reports what it does: OpenTelemetry
// traces (exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, printed as JSON
// lines with TRACES=stdout, kept in memory for /debug/traces in local mode, and recorded
// nowhere otherwise), Prometheus metrics at /metrics, and log lines that carry the trace.
//
// A trace follows the work across processes in the W3C trace context: the traceparent
// header of an HTTP request, and the CloudEvent's traceparent extension of every event
// (package event writes the current span's context there), so a click, the event it
// causes, the consumer that handles it and the email at the end are one trace.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName names the instrumentation scope of every span Taskline starts.
const ScopeName = "github.com/taskline/taskline"

// Options say where spans go besides what the environment asks for.
type Options struct {
	// Recorder, when set, keeps the latest traces in memory (/debug/traces, local mode).
	Recorder *Recorder
	// Stdout is where TRACES=stdout writes (default os.Stdout).
	Stdout io.Writer
}

// Setup installs the process's tracer provider and the W3C propagator, from the
// environment:
//   - OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): export spans
//     over OTLP/HTTP, batched (the exporter reads the other OTEL_EXPORTER_OTLP_* variables);
//   - TRACES=stdout: print each span as a JSON line;
//   - neither, and no recorder: spans are not recorded at all (a no-op provider, nothing
//     allocated per span beyond the context).
//
// service is the service.name resource attribute. The returned shutdown flushes what is
// buffered; call it before the process exits.
func Setup(ctx context.Context, service string, o Options) (shutdown func(context.Context) error, err error) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	var opts []sdktrace.TracerProviderOption
	if endpoint() != "" {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTLP trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	if strings.EqualFold(os.Getenv("TRACES"), "stdout") {
		w := o.Stdout
		if w == nil {
			w = os.Stdout
		}
		exp, err := stdouttrace.New(stdouttrace.WithWriter(w))
		if err != nil {
			return nil, fmt.Errorf("stdout trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithSyncer(exp))
	}
	if o.Recorder != nil {
		opts = append(opts, sdktrace.WithSpanProcessor(o.Recorder))
	}
	if len(opts) == 0 {
		return func(context.Context) error { return nil }, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", service)))
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(append(opts, sdktrace.WithResource(res))...)
	otel.SetTracerProvider(tp)
	tracing.Store(true)
	return tp.Shutdown, nil
}

// tracing is whether Setup installed a provider that keeps spans.
var tracing atomic.Bool

// Tracing reports whether spans are kept (exported, printed or recorded): work that only
// feeds spans can be skipped otherwise.
func Tracing() bool { return tracing.Load() }

func endpoint() string {
	if e := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); e != "" {
		return e
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
}

// Tracer is Taskline's tracer, from the installed provider (a no-op until Setup).
func Tracer() trace.Tracer { return otel.Tracer(ScopeName) }

// Start starts a span of Taskline's tracer.
func Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	return Tracer().Start(ctx, name, opts...)
}

// End ends span, marking it failed when err is not nil.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Join is errors.Join for shutdown functions.
func Join(fs ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		var errs []error
		for _, f := range fs {
			errs = append(errs, f(ctx))
		}
		return errors.Join(errs...)
	}
}
