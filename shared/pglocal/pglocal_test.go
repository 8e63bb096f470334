package pglocal_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/taskline/taskline/shared/pglocal"
)

func TestStartQueryStop(t *testing.T) {
	ctx := context.Background()
	c, err := pglocal.Start(ctx, pglocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := c.Dir()
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		c.Stop()
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "select 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Errorf("select 40 + 2 = %d, %v", n, err)
	}
	conn.Close(ctx)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary data directory %s still exists after Stop", dir)
	}
	if _, err := pgx.Connect(ctx, c.URL()); err == nil {
		t.Error("server still accepts connections after Stop")
	}
}

func TestReuseDataDir(t *testing.T) {
	ctx := context.Background()
	// Under root the server runs as the postgres user, which must reach the directory:
	// MkdirTemp's folder is 0700, so open it up (t.TempDir nests two such folders).
	parent, err := os.MkdirTemp("", "pglocal-reuse-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	os.Chmod(parent, 0o755)
	dir := parent + "/pg"
	c, err := pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL())
	if err == nil {
		_, err = conn.Exec(ctx, "create table kept (v int); insert into kept values (7)")
		conn.Close(ctx)
	}
	c.Stop()
	if err != nil {
		t.Fatal(err)
	}
	c, err = pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	conn, err = pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "select v from kept").Scan(&v); err != nil || v != 7 {
		t.Errorf("data did not survive a restart: %d, %v", v, err)
	}
}

func reusableDir(t *testing.T) string {
	parent, err := os.MkdirTemp("", "pglocal-stale-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	os.Chmod(parent, 0o755)
	return parent + "/pg"
}

// After kill -9 of the process that started it, the cluster keeps running: the next Start
// of the same data directory stops that orphan and starts afresh instead of failing with
// "another server might be running".
func TestStartTakesOverOrphanedPostmaster(t *testing.T) {
	ctx := context.Background()
	dir := reusableDir(t)
	orphan, err := pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// orphan is never stopped by its owner, as after kill -9.
	c, err := pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		orphan.Stop()
		t.Fatalf("second start of a data directory whose postmaster was orphaned: %v", err)
	}
	defer c.Stop()
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if _, err := pgx.Connect(ctx, orphan.URL()); err == nil && orphan.Port() != c.Port() {
		t.Error("the orphaned postmaster still answers on its old port")
	}
}

// A postmaster.pid left behind whose PID now belongs to another process (not a postmaster
// of this directory) is stale: Start removes it and never touches that process.
func TestStartIgnoresStalePidFileOfAnotherProcess(t *testing.T) {
	ctx := context.Background()
	dir := reusableDir(t)
	c, err := pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pidFile, err := os.ReadFile(dir + "/postmaster.pid")
	if err != nil {
		c.Stop()
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Process.Kill()
	lines := strings.SplitN(string(pidFile), "\n", 2)
	stale := strconv.Itoa(other.Process.Pid) + "\n" + lines[1]
	if err := os.WriteFile(dir+"/postmaster.pid", []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = pglocal.Start(ctx, pglocal.Options{Dir: dir})
	if err != nil {
		t.Fatalf("start with a stale postmaster.pid: %v", err)
	}
	defer c.Stop()
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the unrelated process named in the stale pid file was stopped: %v", err)
	}
}
