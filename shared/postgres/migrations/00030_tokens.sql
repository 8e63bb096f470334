-- +goose Up
-- Personal access tokens (API bearer, CalDAV Basic password) and calendar feed tokens.
-- Only the SHA-256 of the secret is kept; revoking deletes the row, so the next request
-- with it is refused.
CREATE TABLE access_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scope         text NOT NULL CHECK (scope IN ('read', 'read-write', 'feed')),
    secret_hash   bytea NOT NULL UNIQUE,
    hint          text NOT NULL,
    expires_at    timestamptz,
    last_used_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_tokens_user ON access_tokens (user_id, id);

-- +goose Down
DROP TABLE access_tokens;
