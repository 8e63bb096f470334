-- +goose Up
-- Indexes the event pipeline's housekeeping needs: pruning published outbox rows and old
-- processed-event records must not scan the tables.
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX processed_events_age ON processed_events (processed_at);

-- +goose Down
DROP INDEX processed_events_age;
DROP INDEX outbox_published;
