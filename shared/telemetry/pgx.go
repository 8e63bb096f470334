package telemetry

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// QueryTracer makes a client span of every statement a pgx connection runs, named by
// its operation and table ("INSERT tasks", "SELECT outbox"), with the statement's text
// (parameterised: values are never in it). Set it as pgx.ConnConfig.Tracer.
type QueryTracer struct{}

type querySpanKey struct{}

// TraceQueryStart implements pgx.QueryTracer.
func (QueryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !trace.SpanFromContext(ctx).IsRecording() {
		// No trace is being recorded: a statement outside any span (a sweep, a migration)
		// starts none of its own.
		return ctx
	}
	ctx, span := Start(ctx, QueryName(d.SQL), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", truncate(d.SQL, 2000))))
	return context.WithValue(ctx, querySpanKey{}, span)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (QueryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	if span, ok := ctx.Value(querySpanKey{}).(trace.Span); ok {
		span.SetAttributes(attribute.Int64("db.response.returned_rows", d.CommandTag.RowsAffected()))
		End(span, d.Err)
	}
}

// queryPatterns are compiled on first use (the first traced query), not at every process
// start.
var queryPatterns = sync.OnceValue(func() (p struct {
	firstWord  *regexp.Regexp
	tableAfter map[string]*regexp.Regexp
}) {
	p.firstWord = regexp.MustCompile(`^\s*(\w+)`)
	p.tableAfter = map[string]*regexp.Regexp{
		"INSERT": regexp.MustCompile(`(?is)INSERT\s+INTO\s+(\w+)`),
		"UPDATE": regexp.MustCompile(`(?is)UPDATE\s+(\w+)`),
		"DELETE": regexp.MustCompile(`(?is)DELETE\s+FROM\s+(\w+)`),
		"SELECT": regexp.MustCompile(`(?is)\bFROM\s+(\w+)`),
	}
	return p
})

// QueryName is the span name of a statement: its operation and first table, as the
// database client conventions name spans ("SELECT tasks"), or the operation alone.
func QueryName(sql string) string {
	p := queryPatterns()
	m := p.firstWord.FindStringSubmatch(sql)
	if m == nil {
		return "postgresql"
	}
	op := strings.ToUpper(m[1])
	if op == "WITH" {
		// A CTE: name it by the statement that follows the last ")".
		if i := strings.LastIndex(sql, ")"); i >= 0 {
			return QueryName(sql[i+1:])
		}
	}
	if re, ok := p.tableAfter[op]; ok {
		if t := re.FindStringSubmatch(sql); t != nil {
			return op + " " + t[1]
		}
	}
	return op
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut at a rune boundary.
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
