-- +goose Up
-- Lease-then-send and poison handling (issue 12).

-- send-email leases a reminder in a short transaction, sends with no transaction open, and
-- records the outcome in a second one. While the lease runs, the ticker leaves the
-- reminder alone (it is not stuck, it is being sent).
ALTER TABLE reminders ADD COLUMN leased_until timestamptz;

-- The outbox relay leases rows the same way, and a row that keeps failing waits before its
-- next try (next_attempt_at) and is parked after OutboxMaxAttempts tries: it leaves the
-- sweep's way, an operator lists and replays it (taskline outbox parked|replay).
ALTER TABLE outbox ADD COLUMN leased_until timestamptz;
ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE outbox ADD COLUMN parked_at timestamptz;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_parked ON outbox (parked_at) WHERE parked_at IS NOT NULL AND published_at IS NULL;

-- Deliveries of one event to one consumer that failed transiently: after
-- EventMaxAttempts the event is dead-lettered with its last error and acknowledged, so a
-- poison event stops blocking its partition instead of being retried forever.
CREATE TABLE event_failures (
    consumer    text NOT NULL,
    event_id    text NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    first_at    timestamptz NOT NULL DEFAULT now(),
    last_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- +goose StatementBegin
-- The "open reminder" rule (still to be delivered) as SQL, for the view below; Go's
-- todo.OpenReminderStatuses is the same list and a test holds the two equal.
CREATE FUNCTION reminder_is_open(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT status IN ('pending', 'triggered', 'retrying') $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Whether a reminder is due for the ticker at instant "at": pending and its time has come,
-- a retry whose wait is over, or triggered for longer than stuck_after with no delivery
-- holding a lease (its event was lost or dead-lettered). The claim query
-- (ClaimDueReminders) and the KEDA wake query (the due_work view) both call it.
CREATE FUNCTION reminder_is_due(status text, remind_at timestamptz, next_attempt_at timestamptz,
        updated_at timestamptz, leased_until timestamptz, at timestamptz, stuck_after interval) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (status = 'pending' AND remind_at <= at)
        OR (status = 'retrying' AND next_attempt_at <= at)
        OR (status = 'triggered' AND updated_at <= at - stuck_after AND (leased_until IS NULL OR leased_until < at))
$$;
-- +goose StatementEnd

-- What the tick-reminders function has to do now: due reminders (stuck triggered ones
-- included) and outbox rows the fast path left behind. KEDA's postgresql trigger scales
-- tick-reminders on:  SELECT work FROM due_work
CREATE VIEW due_work AS
SELECT (SELECT count(*) FROM reminders r
        WHERE r.status IN ('pending', 'retrying', 'triggered')
          AND reminder_is_due(r.status, r.remind_at, r.next_attempt_at, r.updated_at, r.leased_until, now(), interval '10 minutes'))
     + (SELECT count(*) FROM outbox o
        WHERE o.published_at IS NULL AND o.parked_at IS NULL AND o.created_at < now() - interval '2 seconds'
          AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= now())) AS work;

-- +goose Down
DROP VIEW due_work;
DROP FUNCTION reminder_is_due;
DROP FUNCTION reminder_is_open;
DROP TABLE event_failures;
DROP INDEX outbox_parked;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;
ALTER TABLE outbox DROP COLUMN parked_at, DROP COLUMN next_attempt_at, DROP COLUMN leased_until;
ALTER TABLE reminders DROP COLUMN leased_until;
