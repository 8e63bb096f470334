// Package pglocal runs a private PostgreSQL cluster from the binaries installed on the
// machine (initdb, pg_ctl). The local all-in-one binary keeps one in a project folder; tests
// and benchmarks start a throwaway one. It listens on 127.0.0.1 only and never on a Unix
// socket, so two clusters on one machine cannot collide on a socket path.
package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options say where and how to run the cluster.
type Options struct {
	// Dir is the data directory. Empty means a fresh temporary directory that Stop removes.
	// An existing data directory is reused as it is.
	Dir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Durable keeps fsync on. Tests and benchmarks leave it off: they throw the data away.
	Durable bool
	// Settings are extra postgres -c settings, e.g. "max_connections": "200".
	Settings map[string]string
}

// Cluster is a running PostgreSQL server started by Start.
type Cluster struct {
	bin     string
	dir     string
	port    int
	temp    bool
	cred    *syscall.Credential
	logFile string
}

// ErrNotInstalled is returned when no PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: " +
	"install them with `sudo apt-get install postgresql`, or set DATABASE_URL to a running server")

// Start initialises the data directory when it is empty and starts the server, waiting
// until it accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, dir: opts.Dir, port: opts.Port}
	if c.dir == "" {
		c.dir, err = os.MkdirTemp("", "taskline-pg-")
		if err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
		c.temp = true
	} else if c.dir, err = filepath.Abs(c.dir); err != nil {
		return nil, err
	}
	if err := c.prepare(ctx); err != nil {
		c.cleanup()
		return nil, err
	}
	if err := c.takeOver(ctx); err != nil {
		c.cleanup()
		return nil, err
	}
	if c.port == 0 {
		if c.port, err = freePort(); err != nil {
			c.cleanup()
			return nil, err
		}
	}
	if err := c.start(ctx, opts); err != nil {
		c.cleanup()
		return nil, err
	}
	return c, nil
}

// URL is a connection string for the superuser's "postgres" database.
func (c *Cluster) URL() string { return c.DatabaseURL("postgres") }

// DatabaseURL is a connection string for the named database.
func (c *Cluster) DatabaseURL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Port is the TCP port the server listens on.
func (c *Cluster) Port() int { return c.port }

// Dir is the data directory.
func (c *Cluster) Dir() string { return c.dir }

// Stop shuts the server down (fast mode: open sessions are cut) and removes a temporary
// data directory.
func (c *Cluster) Stop() error {
	err := c.run(context.Background(), filepath.Join(c.bin, "pg_ctl"), "stop", "-D", c.dir, "-m", "fast", "-w", "-t", "30")
	c.cleanup()
	if err != nil {
		return fmt.Errorf("stopping postgres: %w", err)
	}
	return nil
}

func (c *Cluster) cleanup() {
	if c.temp && c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// prepare creates and initialises the data directory when needed. Postgres refuses to run
// as root, so under root the directory is handed to the "postgres" (or "nobody") user and
// every command runs as that user.
func (c *Cluster) prepare(ctx context.Context) error {
	if os.Geteuid() == 0 {
		cred, err := unprivileged()
		if err != nil {
			return err
		}
		c.cred = cred
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	if err := c.chown(c.dir); err != nil {
		return err
	}
	c.logFile = filepath.Join(c.dir, "server.log")
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); err == nil {
		return nil
	}
	entries, _ := os.ReadDir(c.dir)
	if len(entries) > 0 {
		return fmt.Errorf("data directory %s is not empty and holds no PostgreSQL cluster", c.dir)
	}
	err := c.run(ctx, filepath.Join(c.bin, "initdb"), "-D", c.dir, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions")
	if err != nil && c.cred != nil {
		err = fmt.Errorf("%w (running as root, the server runs as uid %d, which must be able to reach %s: "+
			"every parent directory needs o+x)", err, c.cred.Uid, c.dir)
	}
	return err
}

// takeOver deals with a postmaster.pid left in the data directory by a process that died
// without stopping its cluster (kill -9 of `taskline serve`): when the PID in it is running
// and really is the postmaster of this directory (its executable is postgres and its
// working directory, where a postmaster always chdirs, is this data directory), that
// orphan is stopped with pg_ctl; otherwise the file is stale (the process is gone, or its
// PID now belongs to an unrelated process, which is never touched) and is removed.
func (c *Cluster) takeOver(ctx context.Context) error {
	pidPath := filepath.Join(c.dir, "postmaster.pid")
	b, err := os.ReadFile(pidPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", pidPath, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if pid > 0 && IsPostmasterOf(pid, c.dir) {
		if err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "stop", "-D", c.dir, "-m", "fast", "-w", "-t", "30"); err != nil {
			return fmt.Errorf("stopping the orphaned postmaster (pid %d) of %s: %w", pid, c.dir, err)
		}
		return nil
	}
	if err := os.Remove(pidPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing the stale %s: %w", pidPath, err)
	}
	return nil
}

// IsPostmasterOf reports whether process pid is a running PostgreSQL server whose data
// directory is dir (Linux: read from /proc; elsewhere it answers false).
func IsPostmasterOf(pid int, dir string) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	if name := filepath.Base(strings.TrimSuffix(exe, " (deleted)")); name != "postgres" && name != "postmaster" {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return false
	}
	want, err := filepath.EvalSymlinks(dir)
	if err != nil {
		want = dir
	}
	return cwd == want || cwd == dir
}

func (c *Cluster) start(ctx context.Context, opts Options) error {
	settings := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"port":                    strconv.Itoa(c.port),
		"unix_socket_directories": "''",
		"max_connections":         "200",
		"shared_buffers":          "128MB",
	}
	if !opts.Durable {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var o strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&o, " -c %s=%s", k, settings[k])
	}
	// The log goes inside the data directory, which the server's user owns.
	err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "start", "-D", c.dir, "-w", "-t", "60",
		"-l", c.logFile, "-o", strings.TrimSpace(o.String()))
	if err != nil {
		log, _ := os.ReadFile(c.logFile)
		return fmt.Errorf("starting postgres: %w\n%s", err, tail(log, 2000))
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = os.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// pg_ctl start forks the server; it must not die with our process group on Ctrl-C
	// before we get to stop it cleanly.
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", filepath.Base(name), args[0], err, tail(out.Bytes(), 2000))
	}
	return nil
}

func (c *Cluster) chown(dir string) error {
	if c.cred == nil {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(c.cred.Uid), int(c.cred.Gid))
	})
}

func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, and no unprivileged user (postgres or nobody) to run PostgreSQL as")
}

// FindBinaries returns the directory holding initdb and pg_ctl: the one on PATH first, then
// the newest /usr/lib/postgresql/<version>/bin (where Debian and Ubuntu install them).
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// WaitReady polls until the server accepts TCP connections or ctx ends.
func (c *Cluster) WaitReady(ctx context.Context) error {
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", c.port), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
