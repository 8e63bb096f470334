// Package compose checks compose.yaml against the chart. It is its own module: compose-go
// needs a newer go.yaml.in/yaml/v4 than actionlint (deploy/validate's workflow checks)
// builds with.
package compose

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/taskline/taskline/deploy/validate"
)

const (
	repoRoot = "../.."
	chartDir = "../../helm/taskline"
)

// app is one function of the chart, as a Deployment.
type app struct {
	meta   map[string]string
	labels map[string]string
	pod    *corev1.PodSpec
}

func (a app) daprEnabled() bool { return a.meta["dapr.io/enabled"] == "true" }

// composeOnlyEnv is what compose.yaml sets that Dapr's injector sets in a cluster.
var composeOnlyEnv = []string{"DAPR_HTTP_PORT", "DAPR_GRPC_PORT"}

// compose.yaml cannot run here (no Docker), so it is checked as data: compose-go (the
// loader docker compose itself uses) must accept it, and it must agree with the chart on
// the images, the topics, each function's environment and the Dapr components.
func TestComposeAgreesWithTheChart(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "compose.yaml")},
		cli.WithWorkingDirectory(root), cli.WithName("taskline"), cli.WithResolvedPaths(true),
		cli.WithEnv([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}

	// The chart as plain Deployments (PORT set, as compose must), with its default values.
	r, err := validate.RenderWith(chartDir, validate.DefaultRelease, map[string]any{"httpRuntime": "deployment"})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := validate.DecodeAll(r.Manifests)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := validate.FactsFromValues(r.Values, validate.DefaultRelease.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	apps := map[string]app{}
	for _, o := range objs {
		if dep, ok := o.Value.(*appsv1.Deployment); ok && dep.Spec.Template.Labels["app.kubernetes.io/component"] != "pooler" {
			apps[o.Name] = app{meta: dep.Spec.Template.Annotations, labels: dep.Spec.Template.Labels, pod: &dep.Spec.Template.Spec}
		}
	}
	if len(apps) < 10 {
		t.Fatalf("the chart rendered %d functions", len(apps))
	}
	for name, a := range apps {
		svc, ok := project.Services[name]
		if !ok {
			t.Errorf("compose.yaml has no service %s (a function of the chart)", name)
			continue
		}
		c := a.pod.Containers[0]
		// Images: same repository, the tag `make images` builds.
		chartRepo, _, _ := strings.Cut(c.Image, ":")
		if svc.Image != chartRepo+":dev" {
			t.Errorf("%s: image %q, the chart runs %s:<tag> (compose uses the dev tag of `make images`)", name, svc.Image, chartRepo)
		}
		// Environment: the same variable names; compose adds only what the injector adds.
		var chartEnv, composeEnv []string
		for _, e := range c.Env {
			chartEnv = append(chartEnv, e.Name)
		}
		for k := range svc.Environment {
			if !slices.Contains(composeOnlyEnv, k) {
				composeEnv = append(composeEnv, k)
			}
		}
		slices.Sort(chartEnv)
		slices.Sort(composeEnv)
		if !slices.Equal(chartEnv, composeEnv) {
			t.Errorf("%s: environment\n  compose: %v\n  chart:   %v", name, composeEnv, chartEnv)
		}
		for _, e := range c.Env {
			if e.Value != "" && e.Name != "APP_BASE_URL" && e.Name != "DATABASE_POOL_MAX_CONNS" && e.Name != "MAIL_FROM" {
				if v := svc.Environment[e.Name]; v == nil || *v != e.Value {
					t.Errorf("%s: %s=%v in compose, %q in the chart", name, e.Name, deref(v), e.Value)
				}
			}
		}
		// Dapr: a sidecar exactly where the chart injects one, configured the same way.
		side, hasSide := project.Services[name+"-dapr"]
		if !a.daprEnabled() {
			if hasSide {
				t.Errorf("%s: compose runs a daprd the chart does not inject", name)
			}
			continue
		}
		if !hasSide {
			t.Errorf("%s: no %s-dapr sidecar, the chart injects daprd", name, name)
			continue
		}
		checkComposeSidecar(t, root, name, a, side)
	}

	// Topics: all of the chart's, with its partition counts and retention.
	topics := composeTopics(t, project)
	kafka, _ := r.Values["kafka"].(map[string]any)
	chartTopics, _ := kafka["topics"].(map[string]any)
	for name, n := range facts.Partitions {
		got, ok := topics[name]
		if !ok {
			t.Errorf("redpanda-topics does not create %s", name)
			continue
		}
		hours := toInt(chartTopics[name].(map[string]any)["retentionHours"])
		if got.partitions != n || got.retentionMS != strconv.Itoa(hours*3600000) {
			t.Errorf("topic %s: %d partitions, retention.ms %s; the chart: %d, %d", name, got.partitions, got.retentionMS, n, hours*3600000)
		}
	}
	if len(topics) != len(facts.Partitions) {
		t.Errorf("compose creates %d topics, the chart has %d", len(topics), len(facts.Partitions))
	}

	// The gateway serves the chart's routes (infra/compose/Caddyfile, rendered from the
	// HTTPRoute) on the one host, and is the only way in to the HTTP functions.
	gw, ok := project.Services["gateway"]
	if !ok {
		t.Error("compose.yaml has no gateway")
	} else if !slices.ContainsFunc(gw.Volumes, func(v types.ServiceVolumeConfig) bool {
		return filepath.Clean(v.Source) == filepath.Join(root, "infra/compose/Caddyfile") && v.Target == "/etc/caddy/Caddyfile"
	}) {
		t.Errorf("the gateway does not load infra/compose/Caddyfile: %+v", gw.Volumes)
	}
	for name := range apps {
		if svc := project.Services[name]; len(svc.Ports) > 0 {
			t.Errorf("%s publishes ports %v: only the gateway should, as in the cluster", name, svc.Ports)
		}
	}

	// The components the sidecars load are the chart's own rendering, with Redpanda's
	// address as the broker.
	files, err := validate.InfraFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, want := range files {
		if !strings.HasPrefix(name, "infra/dapr/compose/") && !strings.HasPrefix(name, "infra/compose/") {
			continue
		}
		n++
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what the chart renders (run `make infra`)", name)
		}
	}
	if n == 0 {
		t.Fatal("infra/dapr/compose is not rendered from the chart")
	}
	if pubsub := string(files["infra/dapr/compose/pubsub.yaml"]); !strings.Contains(pubsub, `value: "redpanda:9092"`) {
		t.Errorf("infra/dapr/compose/pubsub.yaml does not point at redpanda:9092:\n%s", pubsub)
	}
}

func deref(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

func checkComposeSidecar(t *testing.T, root, name string, a app, side types.ServiceConfig) {
	t.Helper()
	if side.NetworkMode != "service:"+name {
		t.Errorf("%s-dapr: network_mode %q, want service:%s (daprd shares the app's network, as in a pod)", name, side.NetworkMode, name)
	}
	if !strings.HasSuffix(side.Image, "/daprd:1.16.0") {
		t.Errorf("%s-dapr: image %q, want daprd 1.16.0 (the Dapr version of the chart's checks)", name, side.Image)
	}
	args := []string(side.Command)
	flag := func(f string) string {
		i := slices.Index(args, f)
		if i < 0 || i+1 >= len(args) {
			return ""
		}
		return args[i+1]
	}
	for f, want := range map[string]string{
		"--app-id":                         a.meta["dapr.io/app-id"],
		"--app-port":                       a.meta["dapr.io/app-port"],
		"--app-protocol":                   a.meta["dapr.io/app-protocol"],
		"--dapr-graceful-shutdown-seconds": a.meta["dapr.io/graceful-shutdown-seconds"],
	} {
		if got := flag(f); got != want {
			t.Errorf("%s-dapr: %s %q, the chart's annotation says %q", name, f, got, want)
		}
	}
	res := flag("--resources-path")
	mounted := slices.ContainsFunc(side.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == res && filepath.Clean(v.Source) == filepath.Join(root, "infra/dapr/compose")
	})
	if res == "" || !mounted {
		t.Errorf("%s-dapr: --resources-path %q is not infra/dapr/compose mounted from the repository", name, res)
	}
	for _, k := range []string{"DAPR_API_TOKEN", "APP_API_TOKEN"} {
		if side.Environment[k] == nil {
			t.Errorf("%s-dapr: no %s (the chart turns tokens on in both directions)", name, k)
		}
	}
}

type composeTopic struct {
	partitions  int
	retentionMS string
}

// composeTopics reads the `rpk topic create` commands of the redpanda-topics service.
func composeTopics(t *testing.T, p *types.Project) map[string]composeTopic {
	t.Helper()
	svc, ok := p.Services["redpanda-topics"]
	if !ok {
		t.Fatal("compose.yaml has no redpanda-topics service")
	}
	out := map[string]composeTopic{}
	script := strings.Join(svc.Command, " ")
	for _, cmd := range strings.Split(script, "&&") {
		f := strings.Fields(cmd)
		if len(f) < 3 || f[0] != "rpk" || f[1] != "topic" || f[2] != "create" {
			continue
		}
		var cur composeTopic
		var names []string
		for i := 3; i < len(f); i++ {
			switch {
			case f[i] == "-p" && i+1 < len(f):
				cur.partitions, _ = strconv.Atoi(f[i+1])
				i++
			case f[i] == "-c" && i+1 < len(f):
				if v, ok := strings.CutPrefix(f[i+1], "retention.ms="); ok {
					cur.retentionMS = v
				}
				i++
			case f[i] == "-X" && i+1 < len(f):
				i++
			case strings.HasPrefix(f[i], "-"):
			default:
				names = append(names, f[i])
			}
		}
		for _, n := range names {
			out[n] = cur
		}
	}
	return out
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}
