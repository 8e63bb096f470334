package image

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// buildStatic compiles a tiny program the way `make images` compiles the functions.
func buildStatic(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"ok\\n\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestImageRunsTheBinaryAsNonRoot(t *testing.T) {
	t.Parallel()
	bin := buildStatic(t)
	certs := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(certs, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := Build(Options{Binary: bin, CACerts: certs, Arch: runtime.GOARCH, Port: 8080, Created: time.Unix(0, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	// Round trip through the tarball `make images` writes, as docker load would read it.
	ref, _ := name.NewTag("ghcr.io/taskline/hello:test")
	tarPath := filepath.Join(t.TempDir(), "hello.tar")
	if err := tarball.WriteToFile(tarPath, ref, img); err != nil {
		t.Fatal(err)
	}
	loaded, err := tarball.ImageFromPath(tarPath, &ref)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loaded.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cfg.Config.User)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/function" {
		t.Errorf("entrypoint %v", cfg.Config.Entrypoint)
	}
	if _, ok := cfg.Config.ExposedPorts["8080/tcp"]; !ok || len(cfg.Config.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want only 8080/tcp", cfg.Config.ExposedPorts)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", cfg.OS, cfg.Architecture)
	}
	layers, err := loaded.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v; want one on an empty base", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]*tar.Header{}
	var passwd string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = h
		if h.Name == "etc/passwd" {
			b, _ := io.ReadAll(tr)
			passwd = string(b)
		}
	}
	fn, ok := files["function"]
	if !ok {
		t.Fatal("no /function in the image")
	}
	st, _ := os.Stat(bin)
	if fn.Size != st.Size() || fn.Mode&0o111 == 0 || fn.Mode&0o022 != 0 || fn.Uid != 0 {
		t.Errorf("/function: size %d (binary %d), mode %o, uid %d; want the binary, executable, not writable by its user", fn.Size, st.Size(), fn.Mode, fn.Uid)
	}
	if !strings.Contains(passwd, "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd does not name user 65532:\n%s", passwd)
	}
	for _, want := range []string{"etc/ssl/certs/ca-certificates.crt", "tmp/", "etc/group"} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s missing", want)
		}
	}
	if files["tmp/"].Mode&0o1777 != 0o1777 {
		t.Errorf("/tmp mode %o, want 1777", files["tmp/"].Mode)
	}
}

func TestImageBuildsAreReproducible(t *testing.T) {
	t.Parallel()
	bin := buildStatic(t)
	o := Options{Binary: bin, CACerts: "/etc/ssl/certs/ca-certificates.crt", Arch: "amd64", Port: 8080, Created: time.Unix(1700000000, 0).UTC()}
	if _, err := os.Stat(o.CACerts); err != nil {
		o.CACerts = bin // any file will do for the digest comparison
	}
	a, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatalf("two builds of the same binary differ: %s vs %s", da, db)
	}
}

func TestDynamicBinaryIsRefused(t *testing.T) {
	t.Parallel()
	// /bin/sh is dynamically linked on every distribution this runs on; it would not start
	// on an empty base.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(sh)
	_, err = Build(Options{Binary: real, CACerts: real, Arch: "amd64", Port: 8080})
	if err == nil || !strings.Contains(err.Error(), "not a static ELF") {
		t.Fatalf("got %v, want a refusal of the dynamic binary", err)
	}
}
