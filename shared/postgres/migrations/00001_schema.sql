-- +goose Up
-- The whole schema of Taskline's first release. Instants are timestamptz (UTC); calendar
-- math happens in the user's zone, which lives in users.time_zone.

CREATE TABLE users (
    id          text PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 255),
    email       text,
    time_zone   text NOT NULL DEFAULT 'UTC',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title               text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    completed           boolean NOT NULL DEFAULT false,
    completed_at        timestamptz,
    due_date            timestamptz,
    priority            smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
    recurrence          text CHECK (recurrence IN ('daily', 'weekly', 'monthly')),
    recurrence_end_date timestamptz,
    -- Local wall-clock date and time the series was first due: monthly clamping and DST
    -- never accumulate because every instance is computed from it.
    recurrence_anchor   timestamp,
    -- A completed instance has at most one successor, whatever the redelivery.
    spawned_from        bigint UNIQUE REFERENCES tasks (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    search              tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED,
    -- The task's tag ids, kept equal to task_tags by a trigger: a GIN index on it lets the
    -- tag filter combine with the search index in one bitmap (task_tags stays the truth).
    tag_ids             bigint[] NOT NULL DEFAULT '{}',
    CHECK (recurrence_end_date IS NULL OR recurrence IS NOT NULL)
);
-- One index per sort key, each led by the owner: a page is an index range scan.
CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_due ON tasks (user_id, due_date, id);
-- Tasks without a due date sort last in both directions, so descending needs its own index.
CREATE INDEX tasks_user_due_desc ON tasks (user_id, due_date DESC NULLS LAST, id DESC);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority, id);
CREATE INDEX tasks_user_title ON tasks (user_id, lower(title), id);
CREATE INDEX tasks_search ON tasks USING gin (search);

CREATE TABLE tags (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]{1,50}$'),
    color       text CHECK (color ~ '^#[0-9A-F]{6}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_user_name ON tags (user_id, lower(name));
CREATE INDEX tags_user_prefix ON tags (user_id, lower(name) text_pattern_ops);

CREATE TABLE task_tags (
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag_id  bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, tag_id)
);
CREATE INDEX task_tags_tag ON task_tags (tag_id, task_id);
CREATE INDEX tasks_tag_ids ON tasks USING gin (tag_ids);

-- +goose StatementBegin
CREATE FUNCTION sync_task_tag_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET tag_ids = ARRAY(SELECT tag_id FROM task_tags WHERE task_id = tasks.id ORDER BY tag_id)
    WHERE id IN (SELECT DISTINCT task_id FROM changed);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER task_tags_inserted AFTER INSERT ON task_tags
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sync_task_tag_ids();
CREATE TRIGGER task_tags_deleted AFTER DELETE ON task_tags
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sync_task_tag_ids();

CREATE TABLE reminders (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id            bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id            text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    remind_at          timestamptz NOT NULL,
    -- Set for "N before due" reminders, so they follow the task to its next instance.
    before_due_seconds integer CHECK (before_due_seconds > 0),
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'triggered', 'sent', 'retrying', 'failed', 'cancelled')),
    attempts           integer NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    last_error         text,
    sent_at            timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_pending ON reminders (remind_at) WHERE status = 'pending';
CREATE INDEX reminders_retrying ON reminders (next_attempt_at) WHERE status = 'retrying';
CREATE INDEX reminders_user ON reminders (user_id, remind_at);
CREATE INDEX reminders_task ON reminders (task_id);

-- Events written in the same transaction as the change that caused them; published after
-- commit by the function itself, or later by the sweep.
CREATE TABLE outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    topic         text NOT NULL,
    partition_key text NOT NULL,
    event         jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text
);
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;

-- Consumers' idempotency: written in the same transaction as the consumer's effect.
CREATE TABLE processed_events (
    consumer     text NOT NULL,
    event_id     text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- +goose Down
DROP TABLE processed_events, outbox, reminders, task_tags, tags, tasks, users;
DROP FUNCTION sync_task_tag_ids;
