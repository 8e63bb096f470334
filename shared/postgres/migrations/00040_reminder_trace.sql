-- +goose Up
-- The W3C trace context of the request that scheduled a reminder: the reminder.triggered
-- event the ticker emits later carries it, so scheduling a reminder and the email it
-- causes are one trace, however long apart.
ALTER TABLE reminders ADD COLUMN trace_parent text;

-- +goose Down
ALTER TABLE reminders DROP COLUMN trace_parent;
