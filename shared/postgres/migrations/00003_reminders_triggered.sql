-- +goose Up
-- Reminders left 'triggered' (their reminder.triggered event was dead-lettered or lost in a
-- consumer that kept failing) are triggered again by the ticker after a while; this keeps
-- finding them an index scan.
CREATE INDEX reminders_triggered ON reminders (updated_at) WHERE status = 'triggered';

-- +goose Down
DROP INDEX reminders_triggered;
