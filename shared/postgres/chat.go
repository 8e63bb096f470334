package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/todo"
)

const conversationColumns = `c.id, c.title, c.created_at, c.updated_at`

func scanConversation(row pgx.Row) (todo.Conversation, error) {
	var c todo.Conversation
	err := row.Scan(&c.ID, &c.Title, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

func scanMessage(row pgx.Row) (todo.Message, error) {
	var m todo.Message
	var calls []byte
	err := row.Scan(&m.ID, &m.Role, &m.Content, &calls, &m.CreatedAt)
	if err == nil && calls != nil {
		err = json.Unmarshal(calls, &m.ToolCalls)
	}
	return m, err
}

// StartTurn records a user's message, in a new conversation (convID 0, titled after the
// message) or one of theirs, and returns what the assistant reads: the conversation, its
// last limit messages (the new one last) and the calls still waiting for confirmation,
// which this turn consumes, so a second "yes" cannot run them again.
func (s *Store) StartTurn(ctx context.Context, userID string, convID int64, text string, limit int) (todo.Turn, error) {
	var turn todo.Turn
	err := s.inTx(ctx, userID, func(t *tx) error {
		var pending []byte
		var pendingAt *time.Time
		var err error
		if convID == 0 {
			turn.Conversation, err = scanConversation(t.QueryRow(ctx, `INSERT INTO conversations AS c (user_id, title, created_at, updated_at)
				VALUES ($1, $2, $3, $3) RETURNING `+conversationColumns, userID, todo.ConversationTitle(text), t.at))
			if err != nil {
				return fmt.Errorf("starting a conversation: %w", err)
			}
		} else {
			err = t.QueryRow(ctx, `SELECT `+conversationColumns+`, c.pending, c.pending_at FROM conversations c
				WHERE c.id = $1 AND c.user_id = $2 FOR UPDATE`, convID, userID).Scan(
				&turn.Conversation.ID, &turn.Conversation.Title, &turn.Conversation.CreatedAt, &turn.Conversation.UpdatedAt, &pending, &pendingAt)
			if errors.Is(err, pgx.ErrNoRows) {
				return todo.Errorf(todo.NotFound, "conversation_id", "conversation %d not found", convID)
			}
			if err != nil {
				return fmt.Errorf("loading conversation %d: %w", convID, err)
			}
		}
		if pending != nil && pendingAt != nil && todo.StillPending(*pendingAt, t.at) {
			if err := json.Unmarshal(pending, &turn.Pending); err != nil {
				return fmt.Errorf("reading the calls conversation %d waits on: %w", convID, err)
			}
		}
		if _, err := t.Exec(ctx, `INSERT INTO messages (conversation_id, role, content, created_at) VALUES ($1, 'user', $2, $3)`,
			turn.Conversation.ID, text, t.at); err != nil {
			return fmt.Errorf("recording the message: %w", err)
		}
		if _, err := t.Exec(ctx, `UPDATE conversations SET pending = NULL, pending_at = NULL, updated_at = $2 WHERE id = $1`,
			turn.Conversation.ID, t.at); err != nil {
			return fmt.Errorf("updating conversation %d: %w", turn.Conversation.ID, err)
		}
		turn.Conversation.UpdatedAt = t.at
		turn.History, err = lastMessages(ctx, t, turn.Conversation.ID, limit)
		return err
	})
	return turn, err
}

// lastMessages returns a conversation's last limit messages, oldest first.
func lastMessages(ctx context.Context, q querier, convID int64, limit int) ([]todo.Message, error) {
	rows, err := q.Query(ctx, `SELECT id, role, content, tool_calls, created_at FROM messages
		WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2`, convID, limit)
	if err != nil {
		return nil, fmt.Errorf("loading messages: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (todo.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("loading messages: %w", err)
	}
	slices.Reverse(list)
	if list == nil {
		list = []todo.Message{}
	}
	return list, nil
}

// FinishTurn records the assistant's answer and the calls it now waits on the user to
// confirm (none clears them).
func (s *Store) FinishTurn(ctx context.Context, userID string, convID int64, reply todo.Message, pending []todo.PendingCall) (todo.Message, error) {
	var calls, wait []byte
	var err error
	if reply.ToolCalls != nil {
		if calls, err = json.Marshal(reply.ToolCalls); err != nil {
			return reply, fmt.Errorf("encoding tool calls: %w", err)
		}
	}
	if len(pending) > 0 {
		if wait, err = json.Marshal(pending); err != nil {
			return reply, fmt.Errorf("encoding pending calls: %w", err)
		}
	}
	err = s.inTx(ctx, userID, func(t *tx) error {
		reply.Role, reply.CreatedAt = todo.RoleAssistant, t.at
		err := t.QueryRow(ctx, `WITH c AS (
				UPDATE conversations SET pending = $4, pending_at = CASE WHEN $4::jsonb IS NULL THEN NULL ELSE $5::timestamptz END, updated_at = $5
				WHERE id = $1 AND user_id = $6 RETURNING id)
			INSERT INTO messages (conversation_id, role, content, tool_calls, created_at)
			SELECT c.id, 'assistant', $2, $3, $5 FROM c RETURNING id`,
			convID, reply.Content, calls, wait, t.at, userID).Scan(&reply.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			// Deleted while the assistant was thinking: nothing to record it in.
			return todo.Errorf(todo.NotFound, "conversation_id", "conversation %d not found", convID)
		}
		if err != nil {
			return fmt.Errorf("recording the answer: %w", err)
		}
		return nil
	})
	return reply, err
}

// ListConversations returns the user's conversations, most recently updated first.
func (s *Store) ListConversations(ctx context.Context, userID string, limit int) ([]todo.Conversation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+conversationColumns+` FROM conversations c
		WHERE c.user_id = $1 ORDER BY c.updated_at DESC, c.id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing conversations: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (todo.Conversation, error) { return scanConversation(r) })
	if err != nil {
		return nil, fmt.Errorf("listing conversations: %w", err)
	}
	if list == nil {
		list = []todo.Conversation{}
	}
	return list, nil
}

// ConversationMessages returns the last limit messages of one of the user's
// conversations, oldest first.
func (s *Store) ConversationMessages(ctx context.Context, userID string, convID int64, limit int) ([]todo.Message, error) {
	var found bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND user_id = $2)`, convID, userID).Scan(&found); err != nil {
		return nil, fmt.Errorf("loading conversation %d: %w", convID, err)
	}
	if !found {
		return nil, todo.NotFoundf("conversation", convID)
	}
	return lastMessages(ctx, s.pool, convID, limit)
}

// DeleteConversation removes one of the user's conversations with its messages.
func (s *Store) DeleteConversation(ctx context.Context, userID string, convID int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM conversations WHERE id = $1 AND user_id = $2`, convID, userID)
	if err != nil {
		return fmt.Errorf("deleting conversation %d: %w", convID, err)
	}
	if tag.RowsAffected() == 0 {
		return todo.NotFoundf("conversation", convID)
	}
	return nil
}
