package telemetry

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Recorder keeps the spans of the latest traces in memory, for /debug/traces: a developer
// sees where a late reminder spent its time without running a collector. It is a span
// processor of the SDK; give it to Setup.
type Recorder struct {
	max, maxSpans int

	mu      sync.Mutex
	traces  map[trace.TraceID]*Trace
	order   []trace.TraceID // oldest first
	changed chan struct{}   // closed (and replaced) when a span is recorded
}

// Trace is one recorded trace.
type Trace struct {
	ID    string
	Spans []Span // in the order they ended
}

// Span is one recorded span.
type Span struct {
	Name, ID, Parent, Service, Kind, Status string
	Start, End                              time.Time
	Attributes                              map[string]string
}

// NewRecorder keeps the latest traces (at most 500 spans each).
func NewRecorder(traces int) *Recorder {
	return &Recorder{max: traces, maxSpans: 500, traces: map[trace.TraceID]*Trace{}, changed: make(chan struct{})}
}

// OnStart implements sdktrace.SpanProcessor.
func (r *Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor.
func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	sc := s.SpanContext()
	sp := Span{Name: s.Name(), ID: sc.SpanID().String(), Kind: s.SpanKind().String(), Start: s.StartTime(), End: s.EndTime(),
		Attributes: map[string]string{}}
	if p := s.Parent(); p.IsValid() {
		sp.Parent = p.SpanID().String()
	}
	if st := s.Status(); st.Code.String() == "Error" {
		sp.Status = "error: " + st.Description
	}
	for _, kv := range s.Attributes() {
		sp.Attributes[string(kv.Key)] = kv.Value.Emit()
	}
	for _, kv := range s.Resource().Attributes() {
		if kv.Key == "service.name" {
			sp.Service = kv.Value.AsString()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.traces[sc.TraceID()]
	if !ok {
		t = &Trace{ID: sc.TraceID().String()}
		r.traces[sc.TraceID()] = t
		r.order = append(r.order, sc.TraceID())
		if len(r.order) > r.max {
			delete(r.traces, r.order[0])
			r.order = r.order[1:]
		}
	}
	if len(t.Spans) < r.maxSpans {
		t.Spans = append(t.Spans, sp)
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// Wait waits until ok holds for the recorded traces (newest first), checking each time a
// span is recorded, and reports whether it did within timeout.
func (r *Recorder) Wait(timeout time.Duration, ok func([]Trace) bool) bool {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if ok(r.Traces()) {
			return true
		}
		select {
		case <-changed:
		case <-deadline:
			return false
		}
	}
}

// Shutdown implements sdktrace.SpanProcessor.
func (r *Recorder) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor.
func (r *Recorder) ForceFlush(context.Context) error { return nil }

// Traces returns copies of the recorded traces, newest first.
func (r *Recorder) Traces() []Trace {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Trace, 0, len(r.order))
	for _, id := range slices.Backward(r.order) {
		t := r.traces[id]
		out = append(out, Trace{ID: t.ID, Spans: slices.Clone(t.Spans)})
	}
	return out
}

// Root is the earliest span of the trace whose parent was not recorded here.
func (t Trace) Root() Span {
	ids := map[string]bool{}
	for _, s := range t.Spans {
		ids[s.ID] = true
	}
	var root *Span
	for i, s := range t.Spans {
		if !ids[s.Parent] && (root == nil || s.Start.Before(root.Start)) {
			root = &t.Spans[i]
		}
	}
	if root == nil {
		return t.Spans[0]
	}
	return *root
}

// Bounds is the trace's first start and last end.
func (t Trace) Bounds() (time.Time, time.Time) {
	start, end := t.Spans[0].Start, t.Spans[0].End
	for _, s := range t.Spans {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End.After(end) {
			end = s.End
		}
	}
	return start, end
}

// Handler serves the recorded traces as HTML: GET /debug/traces lists them, newest first,
// and ?id=<trace id> draws one as a waterfall.
func (r *Recorder) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		traces := r.Traces()
		if id := req.URL.Query().Get("id"); id != "" {
			for _, t := range traces {
				if t.ID == id {
					if err := waterfallPage().Execute(w, waterfall(t)); err != nil {
						fmt.Fprintf(w, "<p>%s</p>", template.HTMLEscapeString(err.Error()))
					}
					return
				}
			}
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "<p>trace %s is not among the last %d</p>", template.HTMLEscapeString(id), r.max)
			return
		}
		type row struct {
			ID, Root, Services string
			Start              string
			Duration           time.Duration
			Spans              int
		}
		var rows []row
		for _, t := range traces {
			start, end := t.Bounds()
			services := map[string]bool{}
			var names []string
			for _, s := range t.Spans {
				if !services[s.Service] {
					services[s.Service] = true
					names = append(names, s.Service)
				}
			}
			rows = append(rows, row{ID: t.ID, Root: t.Root().Name, Start: start.Format("15:04:05.000"),
				Duration: end.Sub(start).Round(time.Microsecond), Spans: len(t.Spans), Services: fmt.Sprint(names)})
		}
		if err := listPage().Execute(w, rows); err != nil {
			fmt.Fprintf(w, "<p>%s</p>", template.HTMLEscapeString(err.Error()))
		}
	})
}

type bar struct {
	Span
	Depth         int
	Left, Width   float64 // percent of the trace
	Offset, Taken time.Duration
}

// waterfall orders a trace's spans depth-first from its roots, each with its bar.
func waterfall(t Trace) []bar {
	start, end := t.Bounds()
	total := max(end.Sub(start), time.Microsecond)
	children := map[string][]Span{}
	ids := map[string]bool{}
	for _, s := range t.Spans {
		ids[s.ID] = true
	}
	var roots []Span
	for _, s := range t.Spans {
		if ids[s.Parent] {
			children[s.Parent] = append(children[s.Parent], s)
		} else {
			roots = append(roots, s)
		}
	}
	byStart := func(a, b Span) int { return a.Start.Compare(b.Start) }
	var out []bar
	var walk func(s Span, depth int)
	walk = func(s Span, depth int) {
		out = append(out, bar{Span: s, Depth: depth,
			Left:   100 * float64(s.Start.Sub(start)) / float64(total),
			Width:  max(0.3, 100*float64(s.End.Sub(s.Start))/float64(total)),
			Offset: s.Start.Sub(start).Round(time.Microsecond), Taken: s.End.Sub(s.Start).Round(time.Microsecond)})
		kids := children[s.ID]
		slices.SortFunc(kids, byStart)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	slices.SortFunc(roots, byStart)
	for _, r := range roots {
		walk(r, 0)
	}
	return out
}

const pageStyle = `<style>body{font:14px system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}
td,th{padding:.2rem .5rem;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}.bar{position:relative;height:1rem;min-width:30rem}
.bar span{position:absolute;height:100%;background:#4a7fd6;border-radius:2px}.err span{background:#c0392b}code{font-size:12px}</style>`

// The pages are parsed on first use, not at every process start.
var listPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("list").Parse(`<!doctype html><title>Traces</title>` + pageStyle + `
<h1>The last traces of this process</h1><p>Newest first. Set TRACES=stdout to print spans, or OTEL_EXPORTER_OTLP_ENDPOINT to export them.</p>
<table><tr><th>started</th><th>root span</th><th>duration</th><th>spans</th><th>services</th></tr>
{{range .}}<tr><td>{{.Start}}</td><td><a href="?id={{.ID}}">{{.Root}}</a></td><td>{{.Duration}}</td><td>{{.Spans}}</td><td>{{.Services}}</td></tr>
{{else}}<tr><td colspan=5>No traces yet.</td></tr>{{end}}</table>`))
})

var waterfallPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("trace").Parse(`<!doctype html><title>Trace</title>` + pageStyle + `
<p><a href="?">All traces</a></p><table><tr><th>span</th><th>service</th><th>start</th><th>took</th><th></th></tr>
{{range .}}<tr class="{{if .Status}}err{{end}}"><td style="padding-left:{{.Depth}}rem">{{.Name}}{{if .Status}} <b>{{.Status}}</b>{{end}}<br>
<code>{{range $k, $v := .Attributes}}{{$k}}={{$v}} {{end}}</code></td><td>{{.Service}}</td><td>+{{.Offset}}</td><td>{{.Taken}}</td>
<td class="bar{{if .Status}} err{{end}}"><span style="left:{{.Left}}%;width:{{.Width}}%"></span></td></tr>{{end}}</table>`))
})
