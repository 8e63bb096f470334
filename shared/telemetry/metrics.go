package telemetry

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every metric of the process, served at /metrics by Handler. Names and
// units follow the OpenTelemetry semantic conventions where one exists (http.server.*,
// messaging.*, db.client.connection.*, gen_ai.client.*), written the Prometheus way (dots
// become underscores, the unit a suffix); Taskline's own are taskline_*. No label carries
// a user id, a task id or anything else unbounded.
var Registry = prometheus.NewRegistry()

var (
	// HTTPDuration is the duration of HTTP requests per route pattern (not the path).
	HTTPDuration = histogram(prometheus.HistogramOpts{Name: "http_server_request_duration_seconds",
		Help:    "Duration of HTTP server requests, by method, route pattern and status code.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}},
		"http_request_method", "http_route", "http_response_status_code")
	// EventDuration is how long handling a consumed event took, by type and outcome
	// (handled, retry, malformed).
	EventDuration = histogram(prometheus.HistogramOpts{Name: "messaging_process_duration_seconds",
		Help:    "Duration of handling a consumed event, by function, CloudEvent type and outcome (handled, retry, malformed).",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}},
		"taskline_function", "cloudevents_event_type", "outcome")
	// Published counts events handed to the broker, by topic and error (none: accepted).
	Published = counter(prometheus.CounterOpts{Name: "messaging_client_sent_messages_total",
		Help: "Events handed to the broker, by topic; error_type is set when the broker did not accept one."},
		"messaging_destination_name", "error_type")
	// DeadLettered counts events written to a dead letter topic, by that topic.
	DeadLettered = counter(prometheus.CounterOpts{Name: "taskline_dead_lettered_events_total",
		Help: "Events written to a dead letter topic (dlq.*), by that topic."}, "messaging_destination_name")
	// Emails counts reminder emails by outcome: sent, retried (a temporary failure, to be
	// sent again), failed (given up) and dead_lettered.
	Emails = counter(prometheus.CounterOpts{Name: "taskline_emails_total",
		Help: "Reminder emails by outcome: sent, retried (temporary failure), failed (given up), dead_lettered."}, "outcome")
	// ReminderLateness is the time from a reminder's remind_at to the SMTP server accepting
	// its email.
	ReminderLateness = histogram(prometheus.HistogramOpts{Name: "taskline_reminder_lateness_seconds",
		Help:    "Time from a reminder's remind_at to the mail server accepting its email.",
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800}})
	// Spawned counts next instances of recurring tasks created.
	Spawned = counter(prometheus.CounterOpts{Name: "taskline_tasks_spawned_total",
		Help: "Next instances of recurring tasks created."})
	// LLMDuration is the duration of one call to a language model.
	LLMDuration = histogram(prometheus.HistogramOpts{Name: "gen_ai_client_operation_duration_seconds",
		Help:    "Duration of calls to the chat's language model, by provider and model; error_type is set when the call failed.",
		Buckets: []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}},
		"gen_ai_provider_name", "gen_ai_request_model", "error_type")
	// LLMTokens is the tokens one call to a language model used, by type (input, output).
	LLMTokens = histogram(prometheus.HistogramOpts{Name: "gen_ai_client_token_usage",
		Help:    "Tokens used per call to the chat's language model, by provider and type (input, output).",
		Buckets: []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144}},
		"gen_ai_provider_name", "gen_ai_token_type")
	// ChatTurns counts chat messages answered, by assistant (builtin, openai, anthropic) and
	// outcome (ok, error).
	ChatTurns = counter(prometheus.CounterOpts{Name: "taskline_chat_turns_total",
		Help: "Chat messages answered, by assistant (builtin, openai, anthropic) and outcome (ok, error)."}, "assistant", "outcome")
)

// registerRuntime adds the Go runtime's and the process's collectors to Registry, at the
// first scrape rather than at every process start (building them reads every runtime
// metric's description).
var registerRuntime = sync.OnceFunc(func() {
	Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
})

// collected are the metrics defined here, in order.
var collected []prometheus.Collector

func histogram(o prometheus.HistogramOpts, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(o, labels)
	Registry.MustRegister(h)
	collected = append(collected, h)
	return h
}

func counter(o prometheus.CounterOpts, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(o, labels)
	Registry.MustRegister(c)
	collected = append(collected, c)
	return c
}

// Register adds collectors of the process's own resources (its pool, its outbox). A
// collector already registered (a test that opens a second store) is replaced.
func Register(cs ...prometheus.Collector) {
	for _, c := range cs {
		Registry.Unregister(c)
		if err := Registry.Register(c); err != nil {
			var dup prometheus.AlreadyRegisteredError
			if errors.As(err, &dup) {
				Registry.Unregister(dup.ExistingCollector)
				Registry.MustRegister(c)
			}
		}
	}
}

// Handler serves the registry in the Prometheus text format (or OpenMetrics when asked).
func Handler() http.Handler {
	h := promhttp.HandlerFor(Registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		registerRuntime()
		h.ServeHTTP(w, r)
	})
}

// ObserveHTTP records one request.
func ObserveHTTP(method, route string, status int, took time.Duration) {
	HTTPDuration.WithLabelValues(method, route, strconv.Itoa(status)).Observe(took.Seconds())
}

// PoolCollector reports a pgx pool's connections in the OpenTelemetry database client
// conventions: db_client_connection_count by state (idle, used), db_client_connection_max,
// and the time spent waiting for a connection.
type PoolCollector struct {
	pool                        *pgxpool.Pool
	count, max, waits, waitTime *prometheus.Desc
}

// NewPoolCollector reports pool's statistics at every scrape.
func NewPoolCollector(pool *pgxpool.Pool) *PoolCollector {
	l := []string{"db_client_connection_pool_name"}
	return &PoolCollector{pool: pool,
		count: prometheus.NewDesc("db_client_connection_count", "Connections in the pool, by state (idle, used).",
			append(l, "db_client_connection_state"), nil),
		max:      prometheus.NewDesc("db_client_connection_max", "The most connections the pool opens.", l, nil),
		waits:    prometheus.NewDesc("db_client_connection_waits_total", "Acquires that had to wait for a connection.", l, nil),
		waitTime: prometheus.NewDesc("db_client_connection_wait_time_seconds_total", "Time spent waiting for a connection.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.count, c.max, c.waits, c.waitTime} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	const name = "taskline"
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(s.IdleConns()), name, "idle")
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(s.AcquiredConns()), name, "used")
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()), name)
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.EmptyAcquireCount()), name)
	ch <- prometheus.MustNewConstMetric(c.waitTime, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), name)
}

// OutboxCollector reports the outbox at every scrape: how many events wait to be
// published and how old the oldest is (what a stuck relay or a broker outage shows as).
type OutboxCollector struct {
	stats      func(context.Context) (n int64, oldest time.Duration, err error)
	depth, age *prometheus.Desc
}

// NewOutboxCollector reports what stats returns (a query of the store's).
func NewOutboxCollector(stats func(context.Context) (int64, time.Duration, error)) *OutboxCollector {
	return &OutboxCollector{stats: stats,
		depth: prometheus.NewDesc("taskline_outbox_unpublished_events", "Events in the outbox not yet published.", nil, nil),
		age:   prometheus.NewDesc("taskline_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished event (0 when none).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *OutboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.age }

// Collect implements prometheus.Collector.
func (c *OutboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, oldest, err := c.stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, oldest.Seconds())
}
