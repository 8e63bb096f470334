package runtime

import (
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/telemetry"
)

// instrument wraps one route: a server span named by the route ("POST
// /api/{user_id}/tasks"), a child of the caller's traceparent when it sends one; the
// request's duration in http_server_request_duration_seconds by route pattern (never the
// path, which holds ids); and the function as the source of the events the request causes.
func instrument(function, pattern, source string, h http.Handler) http.Handler {
	method, route, ok := strings.Cut(pattern, " ")
	if !ok {
		method, route = "", pattern
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := event.WithSource(r.Context(), source)
		ctx = event.WithTraceParent(ctx, r.Header.Get("traceparent"))
		name := route
		if method != "" {
			name = method + " " + route
		} else {
			name = r.Method + " " + route
		}
		ctx, span := telemetry.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", r.Method), attribute.String("http.route", route),
			attribute.String("url.path", r.URL.Path), attribute.String("taskline.function", function)))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			var err error
			if status >= 500 {
				err = httpError(status)
			}
			telemetry.End(span, err)
			telemetry.ObserveHTTP(r.Method, route, status, time.Since(start))
		}()
		h.ServeHTTP(sw, r.WithContext(ctx))
	})
}

type httpError int

func (e httpError) Error() string { return http.StatusText(int(e)) }

// statusWriter remembers the status of an answer. It passes Flush on (server-sent events
// stream through it) and Unwrap for http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
