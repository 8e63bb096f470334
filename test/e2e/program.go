package e2e

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// Program lets a command, not a test, run a Stack (make chaos runs the daprd stack from
// test/e2e/cmd/chaos): it stands in for the testing.TB that Start, StartApp, Build and
// RestartBroker take. Logs go to its writer, temporary folders live under one folder that
// Close removes, and Fatal ends the function given to Run. Only the methods the harness
// calls are implemented; the embedded testing.TB is nil.
type Program struct {
	testing.TB

	name string
	dir  string
	log  io.Writer

	mu       sync.Mutex
	cleanups []func()
	failed   bool
	temps    int
}

// errFatal is what FailNow panics with; Run recovers it.
var errFatal = errors.New("e2e: fatal error (see the log)")

// NewProgram returns a Program named name (the log folder name) that logs to log.
func NewProgram(name string, log io.Writer) (*Program, error) {
	dir, err := os.MkdirTemp("", name+"-")
	if err != nil {
		return nil, err
	}
	// Under root, the throwaway Postgres runs as another user and must reach its folder.
	_ = os.Chmod(dir, 0o755)
	return &Program{name: name, dir: dir, log: log}, nil
}

// Run calls f and returns an error when f called Fatal, Fatalf or FailNow (which end f
// there), or when anything called Error or Errorf.
func (p *Program) Run(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != errFatal {
				panic(r)
			}
			err = errFatal
		}
	}()
	f()
	if p.Failed() {
		return errors.New("e2e: an error was reported (see the log)")
	}
	return nil
}

// Close runs the cleanups, last registered first (stopping apps, the broker and
// Postgres), then removes the temporary folders.
func (p *Program) Close() {
	for {
		p.mu.Lock()
		n := len(p.cleanups)
		if n == 0 {
			p.mu.Unlock()
			break
		}
		f := p.cleanups[n-1]
		p.cleanups = p.cleanups[:n-1]
		p.mu.Unlock()
		func() {
			defer func() {
				if r := recover(); r != nil && r != errFatal {
					p.Logf("cleanup panicked: %v", r)
				}
			}()
			f()
		}()
	}
	_ = os.RemoveAll(p.dir)
}

func (p *Program) Helper()      {}
func (p *Program) Name() string { return p.name }

func (p *Program) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, f)
}

func (p *Program) TempDir() string {
	p.mu.Lock()
	p.temps++
	d := filepath.Join(p.dir, strconv.Itoa(p.temps))
	p.mu.Unlock()
	if err := os.MkdirAll(d, 0o755); err != nil {
		p.Fatalf("creating a temporary folder: %v", err)
	}
	return d
}

func (p *Program) Log(args ...any)                 { fmt.Fprintln(p.log, args...) }
func (p *Program) Logf(format string, args ...any) { fmt.Fprintf(p.log, format+"\n", args...) }

func (p *Program) Fail() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failed = true
}

func (p *Program) Failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

func (p *Program) Error(args ...any)                 { p.Log(args...); p.Fail() }
func (p *Program) Errorf(format string, args ...any) { p.Logf(format, args...); p.Fail() }
func (p *Program) FailNow()                          { p.Fail(); panic(errFatal) }
func (p *Program) Fatal(args ...any)                 { p.Log(args...); p.FailNow() }
func (p *Program) Fatalf(format string, args ...any) { p.Logf(format, args...); p.FailNow() }
