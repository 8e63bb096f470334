package scenario

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ImageBuildTags are the build tags of the shipped images and Lambda bundles (mk/deploy.mk
// DEPLOY_TAGS): the time zone database inside the binary, no Lambda RPC server.
const ImageBuildTags = "lambda.norpc,timetzdata"

// Build compiles main packages (import paths relative to root, the workspace) into dir the
// way `make images` builds the binaries it puts in the images (CGO off, -trimpath, stripped,
// ImageBuildTags), so start times, sizes and memory are those of the shipped binaries. Each package is built on its own, so one that
// does not compile (another engineer's work in progress) costs only its own figures: the
// returned map holds the error of each package that failed.
func Build(ctx context.Context, root, dir string, pkgs ...string) map[string]error {
	failed := map[string]error{}
	for _, pkg := range pkgs {
		if ctx.Err() != nil {
			failed[pkg] = ctx.Err()
			continue
		}
		var err error
		for attempt := range 2 {
			if attempt > 0 && ctx.Err() == nil {
				// A generated input (web/dist) may be mid-rewrite by a concurrent build.
				time.Sleep(3 * time.Second)
			}
			cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", ImageBuildTags, "-ldflags", "-s -w", "-o", filepath.Join(dir, path.Base(pkg)), pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			var out []byte
			if out, err = cmd.CombinedOutput(); err == nil {
				break
			} else {
				err = fmt.Errorf("building %s: %w: %s", pkg, err, firstLines(string(out), 3))
			}
		}
		if err != nil {
			failed[pkg] = err
		}
	}
	return failed
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " / ")
}

// Proc is a process the benchmark started; Stop ends it by its PID.
type Proc struct {
	Name string
	URL  string // http://127.0.0.1:PORT
	Port int
	cmd  *exec.Cmd
	log  string
	done chan error
}

// StartProc runs bin with env (added to a minimal environment) and PORT set to a free port,
// its output going to logDir/name.log. It does not wait for the process to be ready.
func StartProc(name, bin, logDir string, env []string, args ...string) (*Proc, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: name, Port: port, URL: "http://127.0.0.1:" + strconv.Itoa(port), log: filepath.Join(logDir, name+".log"), done: make(chan error, 1)}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening log of %s: %w", name, err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PORT=" + strconv.Itoa(port)}, env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { p.done <- p.cmd.Wait(); f.Close() }()
	return p, nil
}

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// WaitHealthy polls path until it answers 200, and returns how long after the process
// was started that happened. It gives up when the process exits or after timeout.
func (p *Proc) WaitHealthy(path string, timeout time.Duration, started time.Time) (time.Duration, error) {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.Get(p.URL + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(started), nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			return 0, fmt.Errorf("%s exited before it was healthy (%v); log %s:\n%s", p.Name, err, p.log, p.LogTail(1500))
		default:
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s not healthy at %s after %s; log:\n%s", p.Name, path, timeout, p.LogTail(1500))
		}
		// Short enough not to blur a start of a few milliseconds, long enough to leave the
		// CPU to the process being measured.
		time.Sleep(200 * time.Microsecond)
	}
}

// Stop sends SIGTERM and waits for the exit; after grace it kills the process.
func (p *Proc) Stop(grace time.Duration) error {
	if p == nil || p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			return fmt.Errorf("%s exited with %d after SIGTERM", p.Name, ee.ExitCode())
		}
		return nil
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		err := <-p.done
		p.done <- err
		return fmt.Errorf("%s did not stop within %s of SIGTERM; killed", p.Name, grace)
	}
}

// RSS is the resident set size of the process in bytes (Linux).
func (p *Proc) RSS() (int64, error) { return ProcMemory(p.PID(), "VmRSS") }

// PeakRSS is the highest resident set size the process has had so far (VmHWM), in bytes.
func (p *Proc) PeakRSS() (int64, error) { return ProcMemory(p.PID(), "VmHWM") }

// ProcMemory reads one memory field of /proc/PID/status ("VmRSS", "VmHWM"), in bytes.
func ProcMemory(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading %s of process %d: %w", field, pid, err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing %s %q: %w", field, v, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s for process %d", field, pid)
}

// LogTail returns the last n bytes of the process log.
func (p *Proc) LogTail(n int) string {
	b, _ := os.ReadFile(p.log)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
