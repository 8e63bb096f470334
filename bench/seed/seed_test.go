package seed

import (
	"context"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The benchmark's list figures mean something only if the seeded list looks like a real
// one: tags linked (and mirrored into tasks.tag_ids by the schema's trigger), some tasks
// without a due date, some done, skewed words for search.
func TestTasksSeedsARealisticList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Store(t).Pool()
	if err := Users(ctx, pool, User{ID: "u1", Email: "u1@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := Tasks(ctx, pool, "u1", 2000, 7, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := Analyze(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var total, noDue, done, withWork, mirrored, review, rare int
	err := pool.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE due_date IS NULL),
			count(*) FILTER (WHERE completed),
			count(*) FILTER (WHERE id IN (SELECT tt.task_id FROM task_tags tt JOIN tags g ON g.id = tt.tag_id WHERE g.name = 'work')),
			count(*) FILTER (WHERE cardinality(tag_ids) > 0),
			count(*) FILTER (WHERE search @@ to_tsquery('simple', 'review')),
			count(*) FILTER (WHERE search @@ to_tsquery('simple', 'printer'))
		FROM tasks WHERE user_id = 'u1'`).Scan(&total, &noDue, &done, &withWork, &mirrored, &review, &rare)
	if err != nil {
		t.Fatal(err)
	}
	between := func(name string, got int, lo, hi float64) {
		if f := float64(got) / float64(total); f < lo || f > hi {
			t.Errorf("%s: %d of %d tasks (%.2f), want between %.2f and %.2f", name, got, total, f, lo, hi)
		}
	}
	if total != 2000 {
		t.Fatalf("seeded %d tasks, want 2000", total)
	}
	between("without due date", noDue, 0.15, 0.25)
	between("completed", done, 0.25, 0.35)
	between("tagged work", withWork, 0.28, 0.42)
	between("with tag_ids mirrored", mirrored, 0.5, 0.9)
	between("matching the most common word", review, 0.3, 0.9)
	between("matching a rare common word", rare, 0, 0.05)
}
