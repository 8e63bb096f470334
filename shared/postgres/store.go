// Package postgres is Taskline's store: every SQL statement lives here. Each write runs in
// one transaction together with the outbox rows of the events it causes, so a change and
// its events are committed, or neither is.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/telemetry"
	"github.com/taskline/taskline/shared/todo"
)

// Store reads and writes Taskline's data.
type Store struct {
	pool *pgxpool.Pool
	// Now is the clock; tests replace it.
	Now func() time.Time
	// OnCommit, when set, is called after a transaction that wrote outbox rows commits,
	// with the rows: the function's fast path publishes them at once. It must not fail the
	// write; rows it leaves unpublished are swept later.
	OnCommit func(ctx context.Context, rows []OutboxMessage)
	// PublishLease, when set (by the relay that is the commit hook), leases each outbox row
	// to the process that writes it, for this long from its commit: its fast path then
	// publishes the rows from memory (PublishLeased) instead of claiming them first, and
	// the sweep takes them only once the lease ran out, the writer having died.
	PublishLease time.Duration
	// ListenURL, when set, is where ListenOutbox connects instead of the pool's server: a
	// direct connection when the pool goes through a transaction pooler, which drops a
	// LISTEN when it hands the server connection to another client.
	ListenURL string

	// walks remembers the lists whose walk of the sort index found almost nothing
	// (list.go, walkmemo.go).
	walks *walkMemo
}

// Open connects to databaseURL and checks the connection.
func Open(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	pool, err := NewPool(databaseURL)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to postgres: %w", err)
	}
	return pool, nil
}

// NewPool returns a pool on databaseURL without connecting: its first connection is
// opened by the first Acquire or Ping. A process that starts serving before its database
// answers (shared/runtime) pings it in the background.
func NewPool(databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parsing DATABASE_URL: %w", err)
	}
	// The chart sizes each pod's pool from the connection budget (deploy/README.md).
	if v := os.Getenv("DATABASE_POOL_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("DATABASE_POOL_MAX_CONNS must be a positive number, not %q", v)
		}
		cfg.MaxConns = int32(n)
		cfg.MinConns = min(cfg.MinConns, cfg.MaxConns)
	}
	cfg.ConnConfig.Tracer = telemetry.QueryTracer{}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to postgres: %w", err)
	}
	return pool, nil
}

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, Now: time.Now, walks: newWalkMemo()}
}

// Pool is the underlying connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

func (s *Store) now() time.Time { return s.Now().UTC().Round(time.Microsecond) }

// tx is a transaction that collects the events written to the outbox.
type tx struct {
	pgx.Tx
	ctx    context.Context
	store  *Store
	userID string
	outbox []OutboxMessage
	at     time.Time
	// The events the transaction caused, in order, and the topic of each: written to the
	// outbox in one statement just before commit (writeOutbox).
	events []cloudevents.Event
	topics []string
}

// emit adds an event to the outbox in this transaction.
func (t *tx) emit(typ, subject string, data any) error {
	e, err := event.New(t.ctx, typ, subject, t.userID, t.at, data)
	if err != nil {
		return err
	}
	t.queue("", e)
	return nil
}

// queue adds events to the outbox in this transaction: to topic, or when topic is "" to
// each event's own topic.
func (t *tx) queue(topic string, events ...cloudevents.Event) {
	for _, e := range events {
		t.events = append(t.events, e)
		if topic == "" {
			t.topics = append(t.topics, event.TopicOf(e.Type()))
		} else {
			t.topics = append(t.topics, topic)
		}
	}
}

// writeOutbox writes the queued events to the outbox in one statement, however many the
// transaction caused. Each row's partition key is its event's userid. Rows whose event id
// is already there (a dead letter written twice) are skipped.
func (t *tx) writeOutbox() error {
	if len(t.events) == 0 {
		return nil
	}
	ids := make([]string, len(t.events))
	keys := make([]string, len(t.events))
	bodies := make([]string, len(t.events))
	written := make(map[string]int, len(t.events))
	for i, e := range t.events {
		b, err := e.MarshalJSON()
		if err != nil {
			return fmt.Errorf("encoding %s event: %w", e.Type(), err)
		}
		ids[i], keys[i], bodies[i] = e.ID(), event.UserID(e), string(b)
		written[e.ID()] = i
	}
	lease := t.store.leaseFrom(t.at)
	rows, err := t.Query(t.ctx, `INSERT INTO outbox (event_id, topic, partition_key, event, created_at, leased_until)
		SELECT e.id::uuid, e.topic, e.key, e.body::jsonb, $5, $6
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(id, topic, key, body, n)
		ORDER BY e.n
		ON CONFLICT (event_id) DO NOTHING
		RETURNING id, event_id::text`, ids, t.topics, keys, bodies, t.at, lease)
	if err != nil {
		return fmt.Errorf("writing %d events to the outbox: %w", len(t.events), err)
	}
	t.outbox, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMessage, error) {
		var m OutboxMessage
		var eventID string
		if err := r.Scan(&m.ID, &eventID); err != nil {
			return m, err
		}
		i := written[eventID]
		m.Topic, m.Key, m.Event = t.topics[i], keys[i], []byte(bodies[i])
		if lease != nil {
			m.LeasedUntil = *lease
		}
		return m, nil
	})
	if err != nil {
		return fmt.Errorf("writing %d events to the outbox: %w", len(t.events), err)
	}
	return nil
}

// leaseFrom is the lease of an outbox row written at (PublishLease), nil without one.
func (s *Store) leaseFrom(at time.Time) *time.Time {
	if s.PublishLease <= 0 {
		return nil
	}
	until := at.Add(s.PublishLease)
	return &until
}

// dbSpan starts the span of one database transaction.
func dbSpan(ctx context.Context) (context.Context, trace.Span) {
	return telemetry.Start(ctx, "db transaction", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql")))
}

// inTx runs fn in a transaction for userID, writes the events fn caused to the outbox and,
// after commit, hands their rows to OnCommit.
func (s *Store) inTx(ctx context.Context, userID string, fn func(*tx) error) (err error) {
	ctx, span := dbSpan(ctx)
	defer func() { telemetry.End(span, err) }()
	pt, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	t := &tx{Tx: pt, ctx: ctx, store: s, userID: userID, at: s.now()}
	defer pt.Rollback(context.WithoutCancel(ctx))
	if err := fn(t); err != nil {
		return err
	}
	if err := t.writeOutbox(); err != nil {
		return err
	}
	if err := pt.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	span.SetAttributes(attribute.Int("taskline.outbox.events", len(t.outbox)))
	s.committed(ctx, t.outbox...)
	return nil
}

// outboxRow is the event a one-statement write (createPlain, recordSent) puts in the
// outbox, encoded, with the lease to write it with (nil without one) and its row as
// OnCommit gets it once the statement has given it an id.
type outboxRow struct {
	event cloudevents.Event
	msg   OutboxMessage
	lease *time.Time
}

// newOutboxRow builds the event of type typ for userID at at, and its outbox row.
func (s *Store) newOutboxRow(ctx context.Context, typ, subject, userID string, at time.Time, data any) (outboxRow, error) {
	e, err := event.New(ctx, typ, subject, userID, at, data)
	if err != nil {
		return outboxRow{}, err
	}
	body, err := e.MarshalJSON()
	if err != nil {
		return outboxRow{}, fmt.Errorf("encoding %s event: %w", e.Type(), err)
	}
	r := outboxRow{event: e, msg: OutboxMessage{Topic: event.TopicOf(e.Type()), Key: userID, Event: body}, lease: s.leaseFrom(at)}
	if r.lease != nil {
		r.msg.LeasedUntil = *r.lease
	}
	return r, nil
}

// wrote counts a one-statement write's outbox row on its span and hands it to OnCommit.
func (s *Store) wrote(ctx context.Context, span trace.Span, msg OutboxMessage) {
	span.SetAttributes(attribute.Int("taskline.outbox.events", 1))
	s.committed(ctx, msg)
}

// committed hands outbox rows that just committed to OnCommit.
func (s *Store) committed(ctx context.Context, rows ...OutboxMessage) {
	if len(rows) > 0 && s.OnCommit != nil {
		s.OnCommit(ctx, rows)
	}
}

// EnsureUser records the user named by a token. The token's email and zone only fill a
// new profile: once the user exists, the profile (PATCH /profile) is the truth. A zone that
// is not a valid IANA name is refused.
func (s *Store) EnsureUser(ctx context.Context, u todo.User) error {
	if u.TimeZone != "" {
		if _, err := time.LoadLocation(u.TimeZone); err != nil {
			return todo.Errorf(todo.Unauthorized, "tz", "the token's tz claim %q is not an IANA time zone", u.TimeZone)
		}
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO users (id, email, time_zone) VALUES ($1, NULLIF($2, ''), COALESCE(NULLIF($3, ''), 'UTC'))
		ON CONFLICT (id) DO NOTHING`,
		u.ID, u.Email, u.TimeZone)
	if err != nil {
		return fmt.Errorf("recording user: %w", err)
	}
	return nil
}

const profileColumns = `id, email, time_zone, created_at, updated_at`

func scanProfile(row pgx.Row) (todo.Profile, error) {
	var p todo.Profile
	err := row.Scan(&p.UserID, &p.Email, &p.TimeZone, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// Profile returns the user's profile. A user the store has not recorded yet has the
// defaults (no email, UTC).
func (s *Store) Profile(ctx context.Context, userID string) (todo.Profile, error) {
	p, err := scanProfile(s.pool.QueryRow(ctx, `SELECT `+profileColumns+` FROM users WHERE id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		now := s.now()
		return todo.Profile{UserID: userID, TimeZone: "UTC", CreatedAt: now, UpdatedAt: now}, nil
	}
	if err != nil {
		return p, fmt.Errorf("loading the profile of %s: %w", userID, err)
	}
	return p, nil
}

// UpdateProfile changes the fields c sets. The zone applies from then on: to the next
// instance of a recurring task, the next reminder email and the next parsed date.
func (s *Store) UpdateProfile(ctx context.Context, userID string, c todo.ProfileChanges) (todo.Profile, error) {
	var email, tz *string
	if c.Email != nil {
		email = c.Email
	}
	if c.TimeZone != nil {
		tz = c.TimeZone
	}
	p, err := scanProfile(s.pool.QueryRow(ctx, `
		INSERT INTO users (id, email, time_zone, updated_at) VALUES ($1, NULLIF($2, ''), COALESCE($3, 'UTC'), $5)
		ON CONFLICT (id) DO UPDATE SET
			email = CASE WHEN $4 THEN NULLIF($2, '') ELSE users.email END,
			time_zone = COALESCE($3, users.time_zone),
			updated_at = $5
		RETURNING `+profileColumns, userID, email, tz, email != nil, s.now()))
	if err != nil {
		return p, fmt.Errorf("updating the profile of %s: %w", userID, err)
	}
	return p, nil
}

// UserInfo is what the notification path needs to know of a user.
type UserInfo struct {
	ID       string
	Email    string
	Location *time.Location
}

// User loads a user's email and zone.
func (s *Store) User(ctx context.Context, userID string) (UserInfo, error) {
	return userInfo(ctx, s.pool, userID)
}

type queryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func userInfo(ctx context.Context, q queryer, userID string) (UserInfo, error) {
	return scanUserInfo(q.QueryRow(ctx, userInfoSQL, userID), userID)
}

const userInfoSQL = `SELECT email, time_zone FROM users WHERE id = $1`

// scanUserInfo reads the row of userInfoSQL; a user not recorded has the defaults.
func scanUserInfo(row pgx.Row, userID string) (UserInfo, error) {
	u := UserInfo{ID: userID, Location: time.UTC}
	var email *string
	var tz string
	err := row.Scan(&email, &tz)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, nil
	}
	if err != nil {
		return u, fmt.Errorf("loading user %s: %w", userID, err)
	}
	if email != nil {
		u.Email = *email
	}
	if loc, err := time.LoadLocation(tz); err == nil {
		u.Location = loc
	}
	return u, nil
}

// isUniqueViolation reports whether err is a unique constraint failure on constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

// IsUnavailable reports whether err says the database could not be reached or went away
// (refused or broken connections, the server shutting down or starting up): a transient
// condition callers answer with 503 and Retry-After, not an internal error.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.SafeToRetry(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne *net.OpError
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// pgx reports a connection that died under a query as "conn closed" or an unexpected EOF.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "unexpected EOF") ||
		strings.Contains(msg, "failed to connect")
}
