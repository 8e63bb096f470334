package scenario

import (
	"testing"
	"time"
)

// The 10,000-row sweep keeps its 10 ms samples; the 100,000-row one is sampled ten times
// less often, so the watcher's walk over the claimed rows does not slow what it measures.
func TestSweepSampling(t *testing.T) {
	for n, want := range map[int]time.Duration{1_000: 10 * time.Millisecond, 10_000: 10 * time.Millisecond, 100_000: 100 * time.Millisecond} {
		if got := sweepSampling(n); got != want {
			t.Errorf("sweepSampling(%d) = %s, want %s", n, got, want)
		}
	}
}
