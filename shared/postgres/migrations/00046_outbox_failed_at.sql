-- +goose Up
-- When each unpublished row last failed to publish. A failure counts toward parking
-- (todo.MaxPublishAttempts) only if the broker took some other event since the row was
-- last tried: during a broker outage nothing is published, the failures say nothing about
-- the events, and an outage of any length parks nothing (recordPublishFailures).
ALTER TABLE outbox ADD COLUMN failed_at timestamptz;

-- +goose Down
ALTER TABLE outbox DROP COLUMN failed_at;
