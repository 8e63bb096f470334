package image

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildScript returns the shell script of the Dockerfile's build step (the RUN that follows
// COPY . .) without its BuildKit --mount flags, and the final stage's instructions.
func buildScript(t *testing.T) (script string, final []string) {
	t.Helper()
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines into instructions.
	var instrs []string
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(s + "\n")
			continue
		}
		cur.WriteString(line)
		instrs = append(instrs, cur.String())
		cur.Reset()
	}
	copied, stage := false, 0
	for _, in := range instrs {
		switch {
		case strings.HasPrefix(in, "FROM "):
			stage++
			if stage == 2 {
				final = append(final, in)
			}
		case stage == 1 && strings.HasPrefix(in, "COPY . ."):
			copied = true
		case stage == 1 && copied && strings.HasPrefix(in, "RUN ") && script == "":
			var kept []string
			for _, f := range strings.Split(strings.TrimPrefix(in, "RUN "), "\n") {
				f = strings.TrimSpace(f)
				if strings.HasPrefix(f, "--mount=") {
					continue
				}
				kept = append(kept, f)
			}
			script = strings.Join(kept, " ") // Docker joins continued lines
		case stage == 2:
			final = append(final, in)
		}
	}
	if script == "" {
		t.Fatal("no RUN after COPY . . in the build stage of deploy/Dockerfile")
	}
	return script, final
}

// The Dockerfile CI uses cannot be run here (no Docker engine), so its build step runs
// as a plain shell script on this machine instead, from the repository root as the build
// context: the paths it derives from FUNCTION must exist and produce a static binary.
func TestDockerfileBuildStepBuildsAFunction(t *testing.T) {
	t.Parallel()
	script, final := buildScript(t)
	out := filepath.Join(t.TempDir(), "function")
	script = strings.ReplaceAll(script, "/out/function", out)
	run := func(fn string) ([]byte, error) {
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = "../.."
		// As in the image: the repository's go.work applies (make test-deploy sets GOWORK=off
		// for this module's own build, which must not leak into the function's).
		var env []string
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "GOWORK=") {
				env = append(env, e)
			}
		}
		cmd.Env = append(env, "FUNCTION="+fn, "TARGETOS=linux", "TARGETARCH=amd64", "CGO_ENABLED=0")
		return cmd.CombinedOutput()
	}
	if b, err := run("web"); err != nil {
		t.Fatalf("build step for FUNCTION=web: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatalf("no ELF binary at the output: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary is dynamically linked; the distroless static base cannot run it")
		}
	}
	if b, err := run(""); err == nil || !bytes.Contains(b, []byte("FUNCTION")) {
		t.Fatalf("an empty FUNCTION must fail with a message naming it: %v\n%s", err, b)
	}
	joined := strings.Join(final, "\n")
	for _, want := range []string{"gcr.io/distroless/static-debian12:nonroot", "USER 65532:65532", `ENTRYPOINT ["/function"]`, "COPY --from=build /out/function /function"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the final stage lacks %q", want)
		}
	}
}
