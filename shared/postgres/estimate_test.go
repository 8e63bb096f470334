package postgres_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/todo"
)

// A search is typed as a prefix ("rev" for "review"). The planner picks between walking
// the user's sort index and reading the search index's matches by how many rows it expects
// the term to match, so on a realistic vocabulary (thousands of distinct words with a Zipf
// distribution, a few of them sharing the prefix) that estimate must be near the truth,
// for a common prefix and for a rare one.
func TestPrefixSearchEstimateOnARealisticVocabulary(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	if err := s.EnsureUser(ctx, todo.User{ID: "ann"}); err != nil {
		t.Fatal(err)
	}
	words := strings.Fields("review report call revenue email meeting revise budget plan reverse draft send update revisit")
	for i := range 3000 {
		words = append(words, string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676%26))+"x")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))
	const n = 30000
	titles := make([]string, n)
	for i := range titles {
		w := make([]string, 3+rng.IntN(4))
		for j := range w {
			w[j] = words[zipf.Uint64()]
		}
		titles[i] = strings.Join(w, " ")
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO tasks (user_id, title) SELECT 'ann', unnest($1::text[])`, titles); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE tasks`); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"rev", "revi", "ba", "send"} {
		q := postgres.SearchQuery(typed)
		var actual int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM tasks WHERE search @@ to_tsquery('simple', $1)`, q).Scan(&actual); err != nil {
			t.Fatal(err)
		}
		var plan []struct {
			Plan struct {
				Rows float64 `json:"Plan Rows"`
			} `json:"Plan"`
		}
		var raw []byte
		if err := s.Pool().QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT id FROM tasks WHERE search @@ to_tsquery('simple', '`+q+`')`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
			t.Fatalf("plan %s: %v", raw, err)
		}
		est := plan[0].Plan.Rows
		if actual < 50 {
			t.Fatalf("%q matches %d of %d tasks: the vocabulary does not exercise the estimate", typed, actual, n)
		}
		t.Logf("search %q: %.0f rows expected, %d match", typed, est, actual)
		if r := est / float64(actual); r < 0.75 || r > 1.33 {
			t.Errorf("search %q (%s): the planner expects %.0f rows, %d match (%.2fx)", typed, q, est, actual, r)
		}
	}
}
