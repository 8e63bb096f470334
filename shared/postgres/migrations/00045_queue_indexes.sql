-- +goose Up
-- The outbox is a queue: its statistics are nearly always stale (thousands of rows are
-- written and published between two autovacuum analyzes). Indexed on created_at, the
-- unpublished rows were read in full by both claims whenever the planner believed there
-- were few of them: the fast path's claim of 20 rows by id read every unpublished row and
-- filtered (2.5 ms with 10,000 waiting, 21 ms a call during the benchmark's sweep), and the
-- sweep's "id > cursor ORDER BY id LIMIT 500" sorted all of them for each batch (26 ms a
-- batch with 10,000 waiting; quadratic in the backlog). Indexed on id, both read only the
-- rows they claim, whatever the statistics say (0.5 ms and 7.7 ms). The depth metric and
-- the KEDA count read every unpublished row either way.
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL AND parked_at IS NULL;

-- The ticker's claim takes the due reminders of each branch of reminder_is_due (pending,
-- retrying) in the order of that branch's index, with the id as the tie-break: a burst
-- of reminders falls due at one instant, and without the id in the index every claim
-- sorted the whole burst.
DROP INDEX reminders_pending;
CREATE INDEX reminders_pending ON reminders (remind_at, id) WHERE status = 'pending';
DROP INDEX reminders_retrying;
CREATE INDEX reminders_retrying ON reminders (next_attempt_at, id) WHERE status = 'retrying';

-- +goose Down
DROP INDEX reminders_retrying;
CREATE INDEX reminders_retrying ON reminders (next_attempt_at) WHERE status = 'retrying';
DROP INDEX reminders_pending;
CREATE INDEX reminders_pending ON reminders (remind_at) WHERE status = 'pending';
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL AND parked_at IS NULL;
