package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// RepoRoot is the repository root: the nearest folder above the working directory that
// holds go.work.
func RepoRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = fmt.Errorf("finding repository root: %w", err)
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("finding repository root: no go.work above the working directory")
				return
			}
			dir = parent
		}
	})
	return rootDir, rootErr
}

// DaprdPath is the daprd binary the harness runs: $DAPRD when set, else <repo>/bin/daprd.
// It is an error, not a skip, when the binary is missing: the production-shaped run is the
// point of this package.
func DaprdPath() (string, error) {
	p := os.Getenv("DAPRD")
	if p == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		p = filepath.Join(root, "bin", "daprd")
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("daprd binary %s is missing: run `make daprd` at the repository root (or set DAPRD): %w", p, err)
	}
	return p, nil
}

// Build compiles the main package pkg (an import path in the workspace, e.g.
// "github.com/taskline/taskline/functions/create-task/cmd/create-task") into a temporary
// folder of t and returns the binary's path. Go's build cache makes repeated builds cheap.
// Like every function here that takes t, call it from the test's goroutine; to build
// several binaries at once use BuildAll.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	return BuildAll(t, pkg)[0]
}

// BuildAll compiles several main packages with one `go build` (which builds them in
// parallel) and returns their binaries' paths in the order given. The packages' last
// path elements must differ: they name the binaries.
func BuildAll(t testing.TB, pkgs ...string) []string {
	t.Helper()
	dir := t.TempDir()
	out := make([]string, len(pkgs))
	seen := map[string]string{}
	for i, pkg := range pkgs {
		name := path.Base(pkg)
		if other, ok := seen[name]; ok {
			t.Fatalf("building %s and %s: both would be named %s", other, pkg, name)
		}
		seen[name] = pkg
		out[i] = filepath.Join(dir, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// -o with a trailing separator writes each main package into the folder under its name.
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	if root, err := RepoRoot(); err == nil {
		cmd.Dir = root
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %v: %v\n%s", pkgs, err, b)
	}
	return out
}
