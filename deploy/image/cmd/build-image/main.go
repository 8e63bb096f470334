// Command build-image turns a static function binary into an OCI image without a container
// engine, and writes it as a tarball that `docker load`, `minikube image load` and
// `crane push` accept, or pushes it to a registry.
//
//	build-image -binary dist/linux_amd64/create-task -name create-task -tag dev -out dist/images/create-task.tar
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/taskline/taskline/deploy/image"
)

func main() {
	var (
		binary   = flag.String("binary", "", "static binary to package (required)")
		fn       = flag.String("name", "", "function name = image name (required)")
		registry = flag.String("registry", "ghcr.io/taskline", "registry and namespace")
		tags     = flag.String("tags", "dev", "comma-separated tags")
		out      = flag.String("out", "", "write a tarball here")
		push     = flag.Bool("push", false, "push to the registry (credentials from the Docker config)")
		arch     = flag.String("arch", runtime.GOARCH, "GOARCH of the binary")
		port     = flag.Int("port", 8080, "the function's port")
		certs    = flag.String("ca-certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle to include")
		revision = flag.String("revision", "", "source revision (OCI label)")
	)
	flag.Parse()
	if err := run(*binary, *fn, *registry, *tags, *out, *push, *arch, *port, *certs, *revision); err != nil {
		slog.Error("building image", "function", *fn, "err", err)
		os.Exit(1)
	}
}

func run(binary, fn, registry, tags, out string, push bool, arch string, port int, certs, revision string) error {
	if binary == "" || fn == "" || (out == "" && !push) {
		return errors.New("-binary, -name and one of -out or -push are required")
	}
	created := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
		}
		created = time.Unix(sec, 0).UTC()
	}
	labels := map[string]string{
		"org.opencontainers.image.title":  fn,
		"org.opencontainers.image.source": "https://github.com/taskline/taskline",
	}
	if revision != "" {
		labels["org.opencontainers.image.revision"] = revision
	}
	img, err := image.Build(image.Options{Binary: binary, CACerts: certs, Arch: arch, Port: port, Labels: labels, Created: created})
	if err != nil {
		return err
	}
	refs := map[name.Reference]v1.Image{}
	var first name.Reference
	for _, t := range strings.Split(tags, ",") {
		ref, err := name.NewTag(registry + "/" + fn + ":" + strings.TrimSpace(t))
		if err != nil {
			return fmt.Errorf("image reference: %w", err)
		}
		refs[ref] = img
		if first == nil {
			first = ref
		}
	}
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := tarball.MultiRefWriteToFile(out, refs); err != nil {
			return fmt.Errorf("writing %s: %w", out, err)
		}
	}
	if push {
		for ref := range refs {
			if err := remote.Write(ref, img, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
				return fmt.Errorf("pushing %s: %w", ref, err)
			}
		}
	}
	size, err := image.CompressedSize(img)
	if err != nil {
		return err
	}
	st, err := os.Stat(binary)
	if err != nil {
		return err
	}
	digest, _ := img.Digest()
	fmt.Printf("%-24s binary %6.1f MiB  image %6.1f MiB compressed  %s %s\n", fn, mib(st.Size()), mib(size), first, digest)
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
