package scenario

import (
	"strings"
	"testing"
)

func TestPlanTextKeepsOnlyTheNamedTables(t *testing.T) {
	t.Parallel()
	log := `2026-11-26 12:00:00.000 UTC [1] LOG:  duration: 0.030 ms  plan:
	Query Text: SELECT id FROM outbox WHERE published_at IS NULL
	Limit  (cost=1..2 rows=1 width=8)
2026-11-26 12:00:00.001 UTC [2] LOG:  duration: 41.5 ms  plan:
	Query Text: SELECT t.id FROM tasks t WHERE t.user_id = $1
	Sort  (cost=1..2 rows=1 width=8) (actual time=40.1..41.0 rows=51 loops=1)
2026-11-26 12:00:00.002 UTC [3] LOG:  checkpoint starting: time
`
	got := planText(log, "FROM tasks t")
	if !strings.Contains(got, "duration: 41.5 ms") || !strings.Contains(got, "Sort  (cost") {
		t.Fatalf("the tasks plan is missing:\n%s", got)
	}
	if strings.Contains(got, "outbox") || strings.Contains(got, "checkpoint") {
		t.Fatalf("other statements were kept:\n%s", got)
	}
}

func TestThousandsWritesSmallCountsWithoutDecimals(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 24: "24", 999: "999", 1000: "1,000", 100000: "100,000", -24: "-24"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
