package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/todo"
)

// TokenTouchEvery is how stale a token's last use may get before a request with it writes
// the time again: at most one write a minute for a token in steady use.
const TokenTouchEvery = time.Minute

const tokenColumns = `id, name, scope, hint, expires_at, last_used_at, created_at`

func scanToken(row pgx.Row) (todo.Token, error) {
	var k todo.Token
	err := row.Scan(&k.ID, &k.Name, &k.Scope, &k.Hint, &k.ExpiresAt, &k.LastUsedAt, &k.CreatedAt)
	return k, err
}

// CreateToken makes a token for the user and returns it with its secret, which is not
// kept (only its hash) and cannot be shown again.
func (s *Store) CreateToken(ctx context.Context, userID string, spec todo.TokenSpec) (todo.TokenCreated, error) {
	var out todo.TokenCreated
	now := s.now()
	var expires *time.Time
	if spec.ExpiresAt != nil {
		u, err := userInfo(ctx, s.pool, userID)
		if err != nil {
			return out, err
		}
		at := spec.ExpiresAt.In(u.Location).UTC().Round(time.Microsecond)
		if !at.After(now) {
			return out, todo.Errorf(todo.Unprocessable, "expires_at", "expires_at must be in the future")
		}
		expires = &at
	}
	secret := todo.NewTokenSecret(spec.Scope)
	k, err := scanToken(s.pool.QueryRow(ctx, `INSERT INTO access_tokens (user_id, name, scope, secret_hash, hint, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+tokenColumns,
		userID, spec.Name, spec.Scope, todo.HashTokenSecret(secret), todo.TokenHint(secret), expires, now))
	if err != nil {
		return out, fmt.Errorf("creating token: %w", err)
	}
	return todo.TokenCreated{Token: k, Secret: secret}, nil
}

// ListTokens returns the user's tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, userID string) ([]todo.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (todo.Token, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one of the user's tokens: the next request with it is refused.
func (s *Store) DeleteToken(ctx context.Context, userID string, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM access_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("revoking token %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return todo.NotFoundf("token", id)
	}
	return nil
}

// AuthenticateToken looks a secret up by its hash. An unknown, revoked or expired secret
// is Unauthorized. The last use is written when it is older than TokenTouchEvery, so a
// busy token costs one indexed read per request and one write a minute.
func (s *Store) AuthenticateToken(ctx context.Context, secret string) (todo.TokenAuth, error) {
	var a todo.TokenAuth
	var expires, used *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, user_id, scope, expires_at, last_used_at FROM access_tokens WHERE secret_hash = $1`,
		todo.HashTokenSecret(secret)).Scan(&a.TokenID, &a.UserID, &a.Scope, &expires, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, todo.Errorf(todo.Unauthorized, "authorization", "the token is not valid (unknown or revoked)")
	}
	if err != nil {
		return a, fmt.Errorf("checking token: %w", err)
	}
	now := s.now()
	if expires != nil && !expires.After(now) {
		return a, todo.Errorf(todo.Unauthorized, "authorization", "the token expired at %s", expires.UTC().Format(time.RFC3339))
	}
	if used == nil || now.Sub(*used) >= TokenTouchEvery {
		if _, err := s.pool.Exec(ctx, `UPDATE access_tokens SET last_used_at = $2 WHERE id = $1
			AND (last_used_at IS NULL OR last_used_at <= $3)`, a.TokenID, now, now.Add(-TokenTouchEvery)); err != nil {
			return a, fmt.Errorf("recording token use: %w", err)
		}
	}
	return a, nil
}
