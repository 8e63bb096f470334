// Package image assembles Taskline's function images without a container engine: one layer
// on an empty base holding the static binary at /function, a passwd/group file that names
// the non-root user 65532 (the uid distroless "nonroot" uses), CA certificates for TLS to
// Kafka, SMTP and identity providers, and a writable /tmp. The result is the same image
// deploy/Dockerfile produces on a machine with Docker, minus the distroless packaging
// metadata.
package image

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NonRootUID is the user (and group) every function runs as.
const NonRootUID = 65532

// Options describe one function image.
type Options struct {
	// Binary is the static executable, copied to /function.
	Binary string
	// CACerts is a PEM bundle copied to /etc/ssl/certs/ca-certificates.crt.
	CACerts string
	// Arch is the GOARCH the binary was built for.
	Arch string
	// Port is the one port the function listens on (documentation in the config: EXPOSE).
	Port int
	// Labels are OCI annotations on the config (source, revision).
	Labels map[string]string
	// Created stamps the config and file times; a fixed value makes builds reproducible.
	Created time.Time
}

// Build assembles the image.
func Build(o Options) (v1.Image, error) {
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("reading binary: %w", err)
	}
	if !isStaticELF(bin) {
		return nil, fmt.Errorf("%s is not a static ELF executable (build with CGO_ENABLED=0)", o.Binary)
	}
	certs, err := os.ReadFile(o.CACerts)
	if err != nil {
		return nil, fmt.Errorf("reading CA certificates: %w", err)
	}
	layerTar, err := rootfs(o.Created, bin, certs)
	if err != nil {
		return nil, fmt.Errorf("writing the layer: %w", err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("making the layer: %w", err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{CreatedBy: "taskline deploy/image: /function, /etc/passwd, CA certificates", Created: v1.Time{Time: o.Created}},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the layer: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.Architecture = o.Arch
	cfg.OS = "linux"
	cfg.Created = v1.Time{Time: o.Created}
	cfg.Config.User = fmt.Sprintf("%d:%d", NonRootUID, NonRootUID)
	cfg.Config.Entrypoint = []string{"/function"}
	cfg.Config.WorkingDir = "/"
	cfg.Config.Env = []string{
		"PATH=/",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		fmt.Sprintf("PORT=%d", o.Port),
	}
	cfg.Config.ExposedPorts = map[string]struct{}{fmt.Sprintf("%d/tcp", o.Port): {}}
	cfg.Config.Labels = o.Labels
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("writing the config: %w", err)
	}
	return img, nil
}

// rootfs writes the layer: directories first, as a tar reader expects.
func rootfs(mtime time.Time, bin, certs []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(name string, mode int64) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: mtime, Format: tar.FormatPAX})
	}
	file := func(name string, mode int64, uid int, body []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body)),
			Uid: uid, Gid: uid, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonRootUID, NonRootUID)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", NonRootUID)
	steps := []func() error{
		func() error { return dir("etc/", 0o755) },
		func() error { return file("etc/passwd", 0o644, 0, []byte(passwd)) },
		func() error { return file("etc/group", 0o644, 0, []byte(group)) },
		func() error { return dir("etc/ssl/", 0o755) },
		func() error { return dir("etc/ssl/certs/", 0o755) },
		func() error { return file("etc/ssl/certs/ca-certificates.crt", 0o644, 0, certs) },
		func() error {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "home/", Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX})
		},
		func() error {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "home/nonroot/", Mode: 0o700, Uid: NonRootUID, Gid: NonRootUID, ModTime: mtime, Format: tar.FormatPAX})
		},
		func() error { return dir("tmp/", 0o1777) },
		// Owned by root and not writable by the user that runs it.
		func() error { return file("function", 0o755, 0, bin) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isStaticELF reports whether b is an ELF executable without a program interpreter: a
// dynamically linked binary would not start on an empty base.
func isStaticELF(b []byte) bool {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return false
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return false
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// CompressedSize is what a registry stores and a node pulls: config plus compressed layers.
func CompressedSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, fmt.Errorf("reading the manifest: %w", err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}
