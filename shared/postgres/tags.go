package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/event"
	"github.com/taskline/taskline/shared/todo"
)

// ListTags returns the user's tags sorted by name; with prefix, only names starting with it
// (ignoring case), for autocomplete.
func (s *Store) ListTags(ctx context.Context, userID, prefix string) ([]todo.Tag, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, color, created_at FROM tags
		WHERE user_id = $1 AND name_key LIKE $2 ESCAPE '\' ORDER BY name_key LIMIT 1000`,
		userID, likePrefix(todo.TagKey(prefix)))
	if err != nil {
		return nil, fmt.Errorf("listing tags: %w", err)
	}
	tags, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (todo.Tag, error) {
		var g todo.Tag
		return g, r.Scan(&g.ID, &g.Name, &g.Color, &g.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("listing tags: %w", err)
	}
	if tags == nil {
		tags = []todo.Tag{}
	}
	return tags, nil
}

// likePrefix escapes LIKE's wildcards ('_' is legal in tag names) and appends '%'.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

// CreateTag adds a tag; a name the user already has (in any case) is a conflict.
func (s *Store) CreateTag(ctx context.Context, userID string, in todo.TagInput) (todo.Tag, error) {
	g := todo.Tag{Name: in.Name, Color: in.Color}
	err := s.pool.QueryRow(ctx, `INSERT INTO tags (user_id, name, name_key, color, created_at) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, created_at`, userID, in.Name, todo.TagKey(in.Name), in.Color, s.now()).Scan(&g.ID, &g.CreatedAt)
	if isUniqueViolation(err, "tags_user_name") {
		return g, todo.Errorf(todo.Conflict, "name", "you already have a tag named %q", in.Name)
	}
	if err != nil {
		return g, fmt.Errorf("creating tag: %w", err)
	}
	return g, nil
}

// DeleteTag removes a tag from the user's tags and from every task carrying it.
func (s *Store) DeleteTag(ctx context.Context, userID string, id int64) error {
	return s.inTx(ctx, userID, func(t *tx) error {
		// The tasks that carry the tag lose it: each is locked and announced with
		// task.updated, as when the tag is taken off one task.
		rows, err := t.Query(ctx, `SELECT t.id FROM tasks t JOIN task_tags tt ON tt.task_id = t.id
			WHERE tt.tag_id = $1 AND t.user_id = $2 ORDER BY t.id FOR UPDATE OF t`, id, userID)
		if err != nil {
			return fmt.Errorf("finding the tasks of tag %d: %w", id, err)
		}
		taskIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("finding the tasks of tag %d: %w", id, err)
		}
		before := make(map[int64][]string, len(taskIDs))
		for _, tid := range taskIDs {
			tags, err := tagsOf(ctx, t, tid)
			if err != nil {
				return err
			}
			before[tid] = (&todo.Task{Tags: tags}).TagNames()
		}
		tag, err := t.Exec(ctx, `DELETE FROM tags WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return fmt.Errorf("deleting tag %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return todo.NotFoundf("tag", id)
		}
		if len(taskIDs) > 0 {
			if _, err := t.Exec(ctx, `UPDATE tasks SET updated_at = $2 WHERE id = ANY($1)`, taskIDs, t.at); err != nil {
				return fmt.Errorf("touching the tasks of tag %d: %w", id, err)
			}
		}
		for _, tid := range taskIDs {
			tags, err := tagsOf(ctx, t, tid)
			if err != nil {
				return err
			}
			after := (&todo.Task{Tags: tags}).TagNames()
			if err := t.emit(event.TaskUpdated, event.TaskSubject(tid), event.TaskUpdatedData{TaskID: tid,
				ChangedFields: map[string]event.Change{"tags": {Before: before[tid], After: after}}}); err != nil {
				return err
			}
		}
		return nil
	})
}
