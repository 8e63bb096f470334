package validate

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"sigs.k8s.io/yaml"
	yaml3 "sigs.k8s.io/yaml/goyaml.v3"
)

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github/workflows/*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow files: %v", err)
	}
	return files
}

// actionlint checks workflow syntax, expressions, job dependencies, the inputs each known
// action accepts, and (when shellcheck is installed) every run: script.
func TestWorkflowsPassActionlint(t *testing.T) {
	t.Parallel()
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck not installed: run: scripts are not checked (apt-get install shellcheck)")
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", filepath.Base(e.Filepath), e.Line, e.Column, e.Message, e.Kind)
	}
}

type workflow struct {
	On          map[string]any `json:"on"`
	Concurrency any            `json:"concurrency"`
	Jobs        map[string]struct {
		Environment any `json:"environment"`
		Steps       []struct {
			Uses string `json:"uses"`
			Run  string `json:"run"`
		} `json:"steps"`
	} `json:"jobs"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".github/workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	// YAML 1.2 (goyaml.v3), as GitHub reads it: YAML 1.1 would turn the key `on` into true.
	var raw map[string]any
	if err := yaml3.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	js, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := json.Unmarshal(js, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// Every action a workflow uses is a published version of a real action (actionlint's data
// set of popular actions, which also lists their inputs), and every `make X` it runs is a
// target this repository defines.
func TestWorkflowsNameOnlyActionsAndTargetsThatExist(t *testing.T) {
	t.Parallel()
	targets := makeTargets(t)
	makeRE := regexp.MustCompile(`(?m)(?:^|&&|;)\s*make\s+([a-z][a-z0-9-]*)`)
	for _, f := range workflowFiles(t) {
		w := readWorkflow(t, filepath.Base(f))
		for job, j := range w.Jobs {
			for _, s := range j.Steps {
				if s.Uses != "" {
					if _, ok := actionlint.PopularActions[s.Uses]; !ok {
						t.Errorf("%s job %s: %s is not a known published action version", filepath.Base(f), job, s.Uses)
					}
				}
				for _, m := range makeRE.FindAllStringSubmatch(s.Run, -1) {
					if !slices.Contains(targets, m[1]) {
						t.Errorf("%s job %s: `make %s` is not a target of the Makefile or mk/*.mk", filepath.Base(f), job, m[1])
					}
				}
			}
		}
	}
}

func makeTargets(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot, "mk/*.mk"))
	files = append(files, filepath.Join(repoRoot, "Makefile"))
	re := regexp.MustCompile(`(?m)^([a-z][a-z0-9 -]*):([^=]|$)`)
	var targets []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue // the lead's Makefile may not exist yet in a partial tree
			}
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			targets = append(targets, strings.Fields(m[1])...)
		}
	}
	if !slices.Contains(targets, "validate") {
		t.Fatalf("no make targets found (mk/deploy.mk missing?): %v", targets)
	}
	return targets
}

// The deployment workflows do what the issue asks: staging follows a successful build of
// main, production is manual and gated by an environment (whose required reviewers are set
// in the repository settings).
func TestDeployWorkflowsAreGated(t *testing.T) {
	t.Parallel()
	st := readWorkflow(t, "deploy-staging.yml")
	wr, ok := st.On["workflow_run"].(map[string]any)
	if !ok || !slices.Contains(toStrings(wr["workflows"]), "build-push") || !slices.Contains(toStrings(wr["types"]), "completed") {
		t.Errorf("deploy-staging does not run after build-push completes: %v", st.On)
	}
	b, _ := os.ReadFile(filepath.Join(repoRoot, ".github/workflows/deploy-staging.yml"))
	for _, want := range []string{"workflow_run.conclusion == 'success'", "helm upgrade --install", "values-staging.yaml"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("deploy-staging.yml lacks %q", want)
		}
	}
	pr := readWorkflow(t, "deploy-prod.yml")
	if _, ok := pr.On["workflow_dispatch"]; !ok || len(pr.On) != 1 {
		t.Errorf("deploy-prod must be manual only, has triggers %v", pr.On)
	}
	for name, j := range pr.Jobs {
		env, _ := j.Environment.(map[string]any)
		if env["name"] != "production" {
			t.Errorf("deploy-prod job %s does not run in the production environment", name)
		}
	}
	bp, _ := os.ReadFile(filepath.Join(repoRoot, ".github/workflows/build-push.yml"))
	for _, want := range []string{"matrix:", "cache-from: type=gha", "value=${{ github.event.workflow_run.head_sha || github.sha }}", "value=latest", "deploy/Dockerfile"} {
		if !strings.Contains(string(bp), want) {
			t.Errorf("build-push.yml lacks %q", want)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, x)
	}
	return out
}

// The image matrix of build-push covers every function main package and the all-in-one
// binary, so a new function cannot ship without an image.
func TestBuildMatrixCoversEveryFunction(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".github/workflows/build-push.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Function []string `json:"function"`
				} `json:"matrix"`
			} `json:"strategy"`
		} `json:"jobs"`
	}
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	matrix := w.Jobs["image"].Strategy.Matrix.Function
	mains, _ := filepath.Glob(filepath.Join(repoRoot, "functions/*/cmd/*/main.go"))
	if len(mains) == 0 {
		t.Fatal("no functions/*/cmd/*/main.go")
	}
	for _, m := range mains {
		fn := filepath.Base(filepath.Dir(m))
		if !slices.Contains(matrix, fn) {
			t.Errorf("function %s has no image in build-push.yml", fn)
		}
	}
	if !slices.Contains(matrix, "taskline") {
		t.Error("the all-in-one image (the migration Job) is not built")
	}
}

// The workflow checks can fail: a broken workflow is rejected.
func TestBrokenWorkflowIsRejected(t *testing.T) {
	t.Parallel()
	broken := `name: broken
on: [push]
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/setup-go@v5
        with:
          go-versions: "1.26"
      - run: echo ${{ github.event.nope.nope }
`
	opts := &actionlint.LinterOptions{}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint("broken.yml", []byte(broken), nil)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Message)
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, `input "go-versions" is not defined`) || !strings.Contains(all, "unexpected EOF") {
		t.Fatalf("actionlint did not reject the unknown input and the broken expression:\n%s", all)
	}
	if _, ok := actionlint.PopularActions["actions/checkout@v99"]; ok {
		t.Fatal("a version that does not exist is accepted")
	}
}

// What a platform review asks of the pipeline (issue 13): images only of commits CI passed,
// with an SBOM and provenance, in the repository owner's registry; deploys with a pinned
// Helm, short-lived OIDC credentials, by digest, one at a time, waiting for the Knative
// Services and smoke-testing the API itself.
func TestPipelineMeetsThePlatformReview(t *testing.T) {
	t.Parallel()
	bp := readWorkflow(t, "build-push.yml")
	wr, ok := bp.On["workflow_run"].(map[string]any)
	if !ok || !slices.Contains(toStrings(wr["workflows"]), "ci") || !slices.Contains(toStrings(wr["types"]), "completed") {
		t.Errorf("build-push does not run after ci completes: %v", bp.On)
	}
	if _, push := bp.On["push"]; push {
		t.Errorf("build-push still runs on push, before CI has passed")
	}
	raw := func(name string) string {
		b, err := os.ReadFile(filepath.Join(repoRoot, ".github/workflows", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	bps := raw("build-push.yml")
	for _, want := range []string{"github.event.workflow_run.conclusion == 'success'", "sbom: true", "provenance: mode=max",
		"actions/attest-build-provenance", "github.repository_owner", "id-token: write"} {
		if !strings.Contains(bps, want) {
			t.Errorf("build-push.yml lacks %q", want)
		}
	}
	for _, f := range workflowFiles(t) {
		if b := raw(filepath.Base(f)); strings.Contains(b, "ghcr.io/taskline") {
			t.Errorf("%s hard-codes ghcr.io/taskline instead of the repository owner", filepath.Base(f))
		}
	}
	smoke, err := os.ReadFile(filepath.Join(repoRoot, "deploy/smoke.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`-X POST "$api/tasks"`, `"$api/tasks" -H "$auth"`, `-X DELETE "$api/tasks/$id"`, `"$BASE_URL/"`} {
		if !strings.Contains(string(smoke), want) {
			t.Errorf("deploy/smoke.sh does not call %s", want)
		}
	}
	helmPin := regexp.MustCompile(`helm\.sh/helm/v3/cmd/helm@v3\.\d+\.\d+\b`)
	for _, name := range []string{"deploy-staging.yml", "deploy-prod.yml"} {
		w := readWorkflow(t, name)
		b := raw(name)
		if w.Concurrency == nil {
			t.Errorf("%s has no concurrency group: two deploys could interleave", name)
		}
		if !helmPin.MatchString(b) {
			t.Errorf("%s does not pin Helm to an exact version", name)
		}
		for _, want := range []string{"kubectl -n taskline wait ksvc --all --for=condition=Ready", "deploy/smoke.sh", "SMOKE_TOKEN",
			"deploy/resolve-digests.sh", `-f "$RUNNER_TEMP/digests.yaml"`, "--atomic", "id-token: write", "role-to-assume:", `--set image.registry="$REGISTRY"`} {
			if !strings.Contains(b, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if strings.Contains(b, "secrets.KUBECONFIG") {
			t.Errorf("%s still uses a long-lived kubeconfig secret", name)
		}
	}
}
