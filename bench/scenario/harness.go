package scenario

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
)

// harnessTB lets the benchmark drive the test/e2e harness, whose API takes a testing.TB,
// outside `go test`: Fatal ends the scenario (a panic recovered by runHarness) instead of a
// test, Cleanup runs when the scenario ends, logs go to the benchmark's logger.
// testing.TB cannot be implemented outside package testing except by embedding it; the
// embedded value is nil, so a method the harness starts to use and this type lacks
// panics and fails the scenario with that method's name in the error, never silently.
type harnessTB struct {
	testing.TB
	name string
	dir  string
	log  *slog.Logger

	mu       sync.Mutex
	cleanups []func()
	failed   bool
	errs     []string
}

type harnessFatal struct{ msg string }

func (h *harnessTB) Helper()      {}
func (h *harnessTB) Name() string { return h.name }
func (h *harnessTB) Failed() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.failed }

func (h *harnessTB) Cleanup(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleanups = append(h.cleanups, f)
}

func (h *harnessTB) TempDir() string {
	d, err := os.MkdirTemp(h.dir, "e2e-")
	if err != nil {
		h.Fatalf("creating a temporary directory: %v", err)
	}
	// Postgres runs as its own user and must reach into these.
	_ = os.Chmod(d, 0o755)
	return d
}

func (h *harnessTB) Logf(format string, args ...any) { h.log.Info(fmt.Sprintf(format, args...)) }
func (h *harnessTB) Log(args ...any)                 { h.log.Info(fmt.Sprint(args...)) }

func (h *harnessTB) Errorf(format string, args ...any) { h.fail(fmt.Sprintf(format, args...)) }
func (h *harnessTB) Error(args ...any)                 { h.fail(fmt.Sprint(args...)) }

func (h *harnessTB) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	h.fail(msg)
	panic(harnessFatal{msg})
}
func (h *harnessTB) Fatal(args ...any) { h.Fatalf("%s", fmt.Sprint(args...)) }
func (h *harnessTB) FailNow()          { h.Fatalf("FailNow") }

func (h *harnessTB) fail(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = true
	h.errs = append(h.errs, msg)
	h.log.Warn("e2e harness", "error", msg)
}

// runHarness runs fn with a harnessTB, then the cleanups (last registered first, like
// testing), and turns a Fatal or any other panic into an error.
func runHarness(name, dir string, log *slog.Logger, fn func(tb *harnessTB) error) (err error) {
	h := &harnessTB{name: name, dir: dir, log: log}
	defer func() {
		h.mu.Lock()
		cs := h.cleanups
		h.mu.Unlock()
		for i := len(cs) - 1; i >= 0; i-- {
			func() {
				defer func() { recover() }() // a failing cleanup must not skip the others
				cs[i]()
			}()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(harnessFatal); ok {
				err = fmt.Errorf("e2e harness: %s", firstLines(f.msg, 4))
				return
			}
			err = fmt.Errorf("e2e harness: %v", r)
		}
	}()
	return fn(h)
}
