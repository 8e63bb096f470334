package scenario

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The whole path's row says what daprd adds: the whole minus the app alone and the broker
// alone, at the p50.
func TestHopFiguresAttributeTheRestToDaprd(t *testing.T) {
	const ms = time.Millisecond
	same := func(d time.Duration) []time.Duration { return []time.Duration{d, d, d} }
	s := hopSeries{app: same(3 * ms), health: same(ms / 2), publish: same(2 * ms), whole: same(12 * ms),
		broker: same(ms), produce: same(ms / 2)}
	figs := hopFigures("6 x", 3, 100, s, 200, 120, 30000)
	if len(figs) != 5 {
		t.Fatalf("%d figures, want 5", len(figs))
	}
	whole := figs[3]
	if *whole.Value != 12 || *whole.Baseline != 4 || *whole.Ratio != 3 {
		t.Errorf("whole path: value %v baseline %v ratio %v, want 12, 4 (3 + 1), 3", *whole.Value, *whole.Baseline, *whole.Ratio)
	}
	if !strings.Contains(whole.Note, "daprd's two hops add 8.00 ms of 12.0 ms (67%)") {
		t.Errorf("whole path note: %q", whole.Note)
	}
	if burst := figs[4]; *burst.Value != 120 || *burst.Baseline != 200 || !strings.Contains(burst.Note, "30,000/s") {
		t.Errorf("burst: %v against %v, note %q", *burst.Value, *burst.Baseline, burst.Note)
	}
}

func TestArrivalsServeWaitersBeforeAndAfter(t *testing.T) {
	a := newArrivals()
	early := time.Now()
	a.arrived(1, early)
	got := make(chan time.Time)
	go func() {
		at, err := a.wait(context.Background(), 2, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- at
	}()
	for a.blocked() == 0 { // the waiter is waiting before 2 arrives
		runtime.Gosched()
	}
	late := time.Now()
	a.arrived(2, late)
	a.arrived(2, late.Add(time.Second)) // a second notice keeps the first time
	if at := <-got; !at.Equal(late) {
		t.Errorf("waiter before the arrival got %v, want %v", at, late)
	}
	if at, err := a.wait(context.Background(), 1, time.Second); err != nil || !at.Equal(early) {
		t.Errorf("waiter after the arrival got %v, %v", at, err)
	}
	if _, err := a.wait(context.Background(), 3, 20*time.Millisecond); err == nil {
		t.Error("waiting for what never arrives did not time out")
	}
}
