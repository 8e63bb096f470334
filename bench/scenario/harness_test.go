package scenario

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestHarnessTurnsFatalIntoAnErrorAndRunsCleanupsLastFirst(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var order []int
	err := runHarness("x", t.TempDir(), log, func(tb *harnessTB) error {
		tb.Cleanup(func() { order = append(order, 1) })
		tb.Cleanup(func() { order = append(order, 2) })
		tb.Fatalf("daprd for %s not healthy", "send-email")
		return errors.New("not reached")
	})
	if err == nil || !strings.Contains(err.Error(), "daprd for send-email not healthy") {
		t.Fatalf("err = %v; want the Fatal message", err)
	}
	if len(order) != 2 || order[0] != 2 || order[1] != 1 {
		t.Fatalf("cleanups ran in order %v; want [2 1]", order)
	}
}

func TestHarnessReportsAMissingMethod(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := runHarness("x", t.TempDir(), log, func(tb *harnessTB) error {
		tb.Skip("the harness never skips") // not implemented: the embedded nil TB panics
		return nil
	})
	if err == nil {
		t.Fatal("a method the adapter lacks must fail the scenario, not pass silently")
	}
}
