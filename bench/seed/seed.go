// Package seed fills Taskline's schema fast, with COPY through pgx, for scenarios that need
// a large list (100,000 tasks) before the measured part starts. Only the setup goes this
// way; everything measured goes through Taskline's HTTP API and events. The rows are
// shaped like a real user's: skewed words, a fifth without a due date, some done, a few
// recurring, up to three tags each.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/shared/todo"
)

// Words are the vocabulary of titles and descriptions, the most frequent first: word i is
// drawn with a Zipf distribution, so "review" is common and the last words are rare. The
// common words are real ones; the tail is thousands of made-up rarer ones, as a real list
// has (names, places, products). The size matters to the planner: with fewer than 100
// distinct words in its statistics, PostgreSQL estimates every prefix term ("rev:*") at a
// flat 2% of rows (ts_selfuncs.c), which no real vocabulary leads to.
var Words = append(commonWords, tailWords(4000)...)

// tailWords are n made-up words of two syllables, none of them a common word.
func tailWords(n int) []string {
	var syllables []string
	for _, c := range "bcdfgklmnprstvz" {
		for _, v := range "aeiou" {
			syllables = append(syllables, string(c)+string(v))
		}
	}
	seen := map[string]bool{}
	for _, w := range commonWords {
		seen[w] = true
	}
	var out []string
	for i := 0; len(out) < n && i < len(syllables)*len(syllables); i++ {
		w := syllables[i%len(syllables)] + syllables[i/len(syllables)]
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

var commonWords = strings.Fields(`review report call email meeting budget plan draft send update
	check fix write order book pay team client project invoice design test deploy release
	prepare follow-up schedule clean buy read notes slides contract renew cancel doctor dentist
	groceries laundry garden car insurance taxes passport flight hotel birthday gift party
	recipe workout run yoga backup server database migrate refactor ticket customer vendor
	quarterly annual weekly monthly roadmap hiring interview onboarding feedback survey
	analytics dashboard metrics security audit license compliance legal office printer`)

// Tags every seeded user has; tag i is carried by fewer tasks than tag i-1.
var Tags = []string{"work", "home", "urgent", "errands", "finance", "health", "travel",
	"family", "learning", "someday", "waiting", "ideas"}

// User is a row of users.
type User struct{ ID, Email string }

// Users records users (as a first request with their token would).
func Users(ctx context.Context, pool *pgxpool.Pool, users ...User) error {
	for _, u := range users {
		if _, err := pool.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, NULLIF($2, ''))
			ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email`, u.ID, u.Email); err != nil {
			return fmt.Errorf("seeding user %s: %w", u.ID, err)
		}
	}
	return nil
}

// Tasks gives user n tasks (and the Tags), deterministically from seed, around now.
func Tasks(ctx context.Context, pool *pgxpool.Pool, user string, n int, seed uint64, now time.Time) error {
	rng := rand.New(rand.NewPCG(seed, 42))
	phrase := phraser(rng)
	now = now.UTC().Truncate(time.Second)
	tagIDs := make([]int64, len(Tags))
	for i, name := range Tags {
		err := pool.QueryRow(ctx, `INSERT INTO tags (user_id, name, name_key) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, name_key) DO UPDATE SET name = EXCLUDED.name RETURNING id`, user, name, todo.TagKey(name)).Scan(&tagIDs[i])
		if err != nil {
			return fmt.Errorf("seeding tag %s: %w", name, err)
		}
	}
	if err := copyTasks(ctx, pool, func(int) string { return user }, n, rng, phrase, now); err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT id FROM tasks WHERE user_id = $1 ORDER BY id`, user)
	if err != nil {
		return fmt.Errorf("reading back task ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("reading back task ids: %w", err)
	}
	var links [][]any
	for _, id := range ids {
		// Tag j is picked with probability 0.35 * 0.75^j: "work" on a third of the tasks,
		// "urgent" on a fifth, the last tags rarely; at most 3 per task.
		p, k := 0.35, 0
		for j := range tagIDs {
			if k < 3 && rng.Float64() < p {
				links = append(links, []any{id, tagIDs[j]})
				k++
			}
			p *= 0.75
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"task_tags"}, []string{"task_id", "tag_id"}, pgx.CopyFromRows(links)); err != nil {
		return fmt.Errorf("copying tag links of %s: %w", user, err)
	}
	return nil
}

// Crowd gives users other users (prefix0, prefix1, ...) perUser tasks each, without tags,
// in one COPY: the rest of a shared table (1,000,000 rows across 10,000 users) around the
// users a scenario measures.
func Crowd(ctx context.Context, pool *pgxpool.Pool, prefix string, users, perUser int, seed uint64, now time.Time) error {
	rng := rand.New(rand.NewPCG(seed, 42))
	phrase := phraser(rng)
	u := 0
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id"}, pgx.CopyFromFunc(func() ([]any, error) {
		if u >= users {
			return nil, nil
		}
		u++
		return []any{fmt.Sprintf("%s%d", prefix, u-1)}, nil
	})); err != nil {
		return fmt.Errorf("copying %d users: %w", users, err)
	}
	return copyTasks(ctx, pool, func(i int) string { return fmt.Sprintf("%s%d", prefix, i/perUser) }, users*perUser, rng, phrase, now)
}

// phraser returns a source of phrases of min to max words drawn from Words (Zipf).
func phraser(rng *rand.Rand) func(min, max int) string {
	zipf := rand.NewZipf(rng, 1.15, 2, uint64(len(Words)-1))
	return func(min, max int) string {
		k := min + rng.IntN(max-min+1)
		w := make([]string, k)
		for i := range w {
			w[i] = Words[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
}

// copyTasks copies n tasks, task i belonging to userOf(i), shaped like a real list.
func copyTasks(ctx context.Context, pool *pgxpool.Pool, userOf func(int) string, n int, rng *rand.Rand, phrase func(min, max int) string, now time.Time) error {
	recurrences := []string{"daily", "weekly", "monthly"}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		user := userOf(i)
		i++
		created := now.Add(-time.Duration(rng.Int64N(int64(730 * 24 * time.Hour))))
		var due, completedAt, anchor any
		var rec any
		if rng.IntN(5) > 0 {
			d := now.Add(time.Duration(rng.Int64N(int64(545*24*time.Hour))) - 180*24*time.Hour).Truncate(time.Minute)
			due = d
			if rng.IntN(20) == 0 {
				rec = recurrences[rng.IntN(3)]
				anchor = d // the user's zone is UTC: the wall clock is the instant
			}
		}
		completed := rng.IntN(10) < 3
		if completed {
			completedAt = created.Add(time.Duration(rng.Int64N(int64(now.Sub(created)) + 1)))
		}
		desc := ""
		if rng.IntN(2) == 0 {
			desc = phrase(3, 20)
		}
		// Mostly medium, some high, fewer low: priority 1 low .. 3 high.
		prio := []int16{1, 2, 2, 2, 3, 3}[rng.IntN(6)]
		return []any{user, phrase(2, 6), desc, completed, completedAt, due, prio, rec, anchor, created, created}, nil
	})
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"tasks"},
		[]string{"user_id", "title", "description", "completed", "completed_at", "due_date", "priority",
			"recurrence", "recurrence_anchor", "created_at", "updated_at"}, src); err != nil {
		return fmt.Errorf("copying %d tasks: %w", n, err)
	}
	return nil
}

// Analyze refreshes the planner's statistics after a bulk load, as autovacuum would shortly.
func Analyze(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE tasks, task_tags, tags, users`); err != nil {
		return fmt.Errorf("analyzing after the bulk load: %w", err)
	}
	return nil
}
