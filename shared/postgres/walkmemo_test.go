package postgres

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestWalkMemoForgetsAfterItsTimeAndStaysBounded(t *testing.T) {
	m := newWalkMemo()
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if m.futile("a", t0) {
		t.Fatal("an unknown list is futile")
	}
	m.remember("a", t0)
	if !m.futile("a", t0.Add(walkMemoTTL-time.Second)) {
		t.Error("forgotten before its time")
	}
	if m.futile("a", t0.Add(walkMemoTTL)) || m.futile("a", t0) {
		t.Error("still remembered after walkMemoTTL")
	}

	// Full: the expired entries go first; the fresh ones stay when there is room.
	for i := range walkMemoSize - 1 {
		m.remember(fmt.Sprint("old", i), t0)
	}
	m.remember("fresh", t0.Add(walkMemoTTL))
	m.remember("new", t0.Add(walkMemoTTL+time.Second))
	if len(m.until) != 2 || !m.futile("fresh", t0.Add(walkMemoTTL+time.Second)) {
		t.Errorf("%d entries after the expired ones went; want fresh and new", len(m.until))
	}
	for i := range 2 * walkMemoSize {
		m.remember(fmt.Sprint("k", i), t0)
	}
	if len(m.until) > walkMemoSize {
		t.Errorf("%d entries, more than %d", len(m.until), walkMemoSize)
	}

	var nilMemo *walkMemo // a Store built without New
	nilMemo.remember("a", t0)
	if nilMemo.futile("a", t0) {
		t.Error("a nil memo remembers")
	}

	// Concurrent pages of many users (run with -race).
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				k := fmt.Sprint(g, i%50)
				if !m.futile(k, t0) {
					m.remember(k, t0)
				}
			}
		})
	}
	wg.Wait()
}
