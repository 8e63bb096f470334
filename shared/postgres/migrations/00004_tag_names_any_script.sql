-- +goose Up
-- Tag names may be letters and digits of any script (#été, #日本), '_' and '-', 1 to 50
-- characters: the rule is todo.TagNamePattern, checked before any write. The CHECK below
-- is its backstop that holds whatever the database's locale: the ASCII characters allowed
-- are the same as before, anything beyond ASCII is left to the rule.
ALTER TABLE tags DROP CONSTRAINT tags_name_check;
ALTER TABLE tags ADD CONSTRAINT tags_name_check
    CHECK (char_length(name) BETWEEN 1 AND 50 AND name ~ '^([A-Za-z0-9_-]|[^\x01-\x7f])+$');

-- Uniqueness ignores case. lower() folds only ASCII in a database with the C locale (the
-- local binary's and the tests'), so "Été" and "été" would be two tags: the store writes the
-- name's case-folded form (todo.TagKey) here instead. Existing names are ASCII, where
-- lower() and the fold agree.
ALTER TABLE tags ADD COLUMN name_key text;
UPDATE tags SET name_key = lower(name);
ALTER TABLE tags ALTER COLUMN name_key SET NOT NULL;
DROP INDEX tags_user_name;
DROP INDEX tags_user_prefix;
CREATE UNIQUE INDEX tags_user_name ON tags (user_id, name_key);
CREATE INDEX tags_user_prefix ON tags (user_id, name_key text_pattern_ops);

-- +goose Down
DELETE FROM tags WHERE name !~ '^[A-Za-z0-9_-]{1,50}$';
DROP INDEX tags_user_prefix;
DROP INDEX tags_user_name;
ALTER TABLE tags DROP COLUMN name_key;
CREATE UNIQUE INDEX tags_user_name ON tags (user_id, lower(name));
CREATE INDEX tags_user_prefix ON tags (user_id, lower(name) text_pattern_ops);
ALTER TABLE tags DROP CONSTRAINT tags_name_check;
ALTER TABLE tags ADD CONSTRAINT tags_name_check CHECK (name ~ '^[A-Za-z0-9_-]{1,50}$');
