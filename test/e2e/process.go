package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// process is one child process whose stdout and stderr go to a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	log     *os.File
	done    chan struct{} // closed when the process has exited
	err     error         // Wait's result, valid after done is closed
}

// startProcess runs path with args and env (appended to this process's environment;
// later entries win) and returns once it has been started.
func startProcess(name, path string, args, env []string, logPath string) (*process, error) {
	// Appended to: a restarted app (App.Restart) keeps its earlier log.
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating log file for %s: %w", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	// Pdeathsig: if the test binary dies (panic, timeout), the kernel kills the children
	// instead of leaving servers running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", name, path, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	return p, nil
}

// pid is the process id, for log messages.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends SIGTERM and waits up to grace for the process to exit, then SIGKILLs it.
// It returns an error when the process had to be killed or did not exit cleanly, which
// tests of graceful shutdown care about; cleanup code may ignore it.
func (p *process) stop(grace time.Duration) error {
	if done, err := p.exited(); done {
		return exitError(p.name, err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("sending SIGTERM to %s (pid %d): %w", p.name, p.pid(), err)
	}
	select {
	case <-p.done:
		return exitError(p.name, p.err)
	case <-time.After(grace):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("%s (pid %d) did not exit within %s of SIGTERM; killed", p.name, p.pid(), grace)
}

// kill ends the process at once with SIGKILL, as a crash would.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func exitError(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s exited: %w", name, err)
}

// tail returns the last n lines of the process log.
func (p *process) tail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", p.logPath, err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// describe is a one-line summary plus the log tail, for failure messages.
func (p *process) describe(n int) string {
	state := "running"
	if done, err := p.exited(); done {
		state = "exited"
		if err != nil {
			state = "exited: " + err.Error()
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s (pid %d, %s), log %s, last %d lines:\n%s", p.name, p.pid(), state, p.logPath, n, p.tail(n))
	return b.String()
}
