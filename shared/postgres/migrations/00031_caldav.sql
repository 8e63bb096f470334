-- +goose Up
-- CalDAV: the resource name and UID a client gave a task, and the client's last iCalendar
-- text (merged on every answer, so properties Taskline does not model survive a round
-- trip). Tasks made elsewhere have no row: they are task-<id>.ics.
CREATE TABLE caldav_objects (
    task_id  bigint PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    user_id  text NOT NULL,
    name     text NOT NULL,
    uid      text NOT NULL,
    raw      text NOT NULL,
    UNIQUE (user_id, name),
    UNIQUE (user_id, uid)
);

-- Deleted tasks, so a sync-collection REPORT can tell a client what went away. Pruned by
-- age (a client that has not synced for 60 days gets a full listing).
CREATE TABLE caldav_tombstones (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     text NOT NULL,
    name        text NOT NULL,
    deleted_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX caldav_tombstones_user ON caldav_tombstones (user_id, deleted_at);

-- +goose StatementBegin
CREATE FUNCTION caldav_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO caldav_tombstones (user_id, name)
    VALUES (OLD.user_id, COALESCE((SELECT name FROM caldav_objects WHERE task_id = OLD.id), 'task-' || OLD.id || '.ics'));
    RETURN OLD;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tasks_caldav_tombstone BEFORE DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION caldav_tombstone();

-- +goose Down
DROP TRIGGER tasks_caldav_tombstone ON tasks;
DROP FUNCTION caldav_tombstone();
DROP TABLE caldav_tombstones, caldav_objects;
