package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// The live event stream (GET /api/{user_id}/events) reads the outbox: every event a change
// causes is an outbox row whose partition_key is the user and whose id orders the user's
// events, so the id is the stream's resumable cursor. The write path pays nothing for it:
// no trigger and no pg_notify in the request's transaction. Instead whoever claims outbox
// rows (the fast path right after commit, or the sweep) sends one NOTIFY per claimed batch
// on OutboxChannel naming the rows and their users, whether or not the broker then takes
// them; a process with open streams LISTENs once and wakes the streams of those users,
// which read the rows by id.

// OutboxChannel is the NOTIFY channel that names claimed outbox rows. Its payload is a JSON
// list of [id, user id] pairs (OutboxRef), under Postgres's 8000-byte limit.
const OutboxChannel = "taskline_outbox"

// notifyPayloadMax keeps each NOTIFY payload under Postgres's limit (8000 bytes).
const notifyPayloadMax = 7000

// OutboxRef names an outbox row and the user it belongs to.
type OutboxRef struct {
	ID     int64
	UserID string
}

// outboxNotices are the NOTIFY payloads naming msgs, each under notifyPayloadMax bytes
// (a single row with an absurdly long key still gets a payload of its own: user ids are at
// most 255 characters).
func outboxNotices(msgs []OutboxMessage) []string {
	var out []string
	buf := []byte{'['}
	for _, m := range msgs {
		key, _ := json.Marshal(m.Key)
		item := append(append(append(append([]byte{'['}, strconv.FormatInt(m.ID, 10)...), ','), key...), ']')
		if len(buf) > 1 && len(buf)+len(item)+2 > notifyPayloadMax {
			out = append(out, string(append(buf, ']')))
			buf = []byte{'['}
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, item...)
	}
	if len(buf) > 1 {
		out = append(out, string(append(buf, ']')))
	}
	return out
}

// ParseOutboxNotice reads a NOTIFY payload of OutboxChannel.
func ParseOutboxNotice(payload string) ([]OutboxRef, error) {
	var pairs [][2]json.RawMessage
	if err := json.Unmarshal([]byte(payload), &pairs); err != nil {
		return nil, fmt.Errorf("reading an outbox notice: %w", err)
	}
	refs := make([]OutboxRef, 0, len(pairs))
	for _, p := range pairs {
		var r OutboxRef
		if err := json.Unmarshal(p[0], &r.ID); err != nil {
			return nil, fmt.Errorf("reading an outbox notice: %w", err)
		}
		if err := json.Unmarshal(p[1], &r.UserID); err != nil {
			return nil, fmt.Errorf("reading an outbox notice: %w", err)
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// notifyClaimed tells the listening processes which rows were just claimed. It is best
// effort: a lost notice delays a stream until its next poll (the streams also read past
// their cursor on every heartbeat), and a failure here must not keep the rows from being
// published.
func (s *Store) notifyClaimed(ctx context.Context, msgs []OutboxMessage) {
	notices := outboxNotices(msgs)
	if len(notices) == 0 {
		return
	}
	s.pool.Exec(ctx, `SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n`, OutboxChannel, notices)
}

// StreamEvent is one outbox row as the live stream sends it.
type StreamEvent struct {
	ID    int64
	Type  string
	Event []byte // the CloudEvent, structured JSON
}

// UserEvents returns the user's events with an id above after, or among also (rows named by
// a notice that committed after a row with a higher id was already sent), in id order, at
// most limit. Dead-letter copies are not the user's events and are left out.
//
// No index serves partition_key: the primary key's range (id > after) is scanned and
// filtered by user. after is a recent cursor (the last event a stream sent, or a
// reconnecting client's Last-Event-ID), so the range holds only the rows written since
// then by every user, which the prune keeps bounded; an index on (partition_key, id)
// would cost every write of the create path an extra index insert instead.
func (s *Store) UserEvents(ctx context.Context, userID string, after int64, also []int64, limit int) ([]StreamEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, coalesce(event->>'type', ''), event::text FROM outbox
		WHERE (id > $2 OR id = ANY($3)) AND partition_key = $1 AND topic NOT LIKE 'dlq.%'
		ORDER BY id LIMIT $4`, userID, after, also, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the user's events: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StreamEvent, error) {
		var e StreamEvent
		var body string
		err := r.Scan(&e.ID, &e.Type, &body)
		e.Event = []byte(body)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the user's events: %w", err)
	}
	return list, nil
}

// LatestEventID is the highest outbox id: where a stream without a cursor starts.
func (s *Store) LatestEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&id); err != nil {
		return 0, fmt.Errorf("reading the latest event id: %w", err)
	}
	return id, nil
}

// ListenOutbox holds one connection of its own (outside the pool, so streams never starve
// requests of connections) listening on OutboxChannel until ctx ends or the connection
// fails. ready is called once the LISTEN is in place, notice with each payload.
func (s *Store) ListenOutbox(ctx context.Context, ready func(), notice func(payload string)) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	if s.ListenURL != "" {
		var err error
		if cfg, err = pgx.ParseConfig(s.ListenURL); err != nil {
			return fmt.Errorf("parsing DATABASE_LISTEN_URL: %w", err)
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connecting to listen for events: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{OutboxChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listening for events: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("waiting for events: %w", err)
		}
		notice(n.Payload)
	}
}
