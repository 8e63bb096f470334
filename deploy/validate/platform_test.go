package validate

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Objects a namespace-scoped deploy credential cannot create, or that nothing uses, are
// rejected when they appear in the render.
func TestAddedObjectsFail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, yaml, want string
	}{
		{"ReferenceGrant in kourier-system", `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: taskline-taskline
  namespace: kourier-system
  labels: {app.kubernetes.io/name: taskline, app.kubernetes.io/instance: taskline, app.kubernetes.io/version: "0.1.0", app.kubernetes.io/managed-by: Helm, helm.sh/chart: taskline-0.1.0}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: taskline}]
  to: [{group: "", kind: Service, name: kourier-internal}]
`, "a namespace-scoped deploy credential gets \"forbidden\""},
		{"a Role for Secrets nobody mounts a token for", `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: taskline-secret-reader
  labels: {app.kubernetes.io/name: taskline, app.kubernetes.io/instance: taskline, app.kubernetes.io/version: "0.1.0", app.kubernetes.io/managed-by: Helm, helm.sh/chart: taskline-0.1.0}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [taskline-kafka]}
`, "nothing uses it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ms, facts := renderFor(t, "prod")
			ms = append(ms, Manifest{Source: "added", YAML: tc.yaml})
			err := Manifests(ms, facts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error mentioning %q, got:\n%v", tc.want, err)
			}
		})
	}
}

// Dropping daprd's capabilities is an injector-wide setting in Dapr 1.16: on an injector
// installed with its defaults, every pod with a sidecar is refused under "restricted".
func TestSidecarNeedsTheInjectorToDropCapabilities(t *testing.T) {
	t.Parallel()
	ms, facts := renderFor(t, "prod")
	facts.Injector = DaprInjector{RunAsNonRoot: true, ReadOnlyRootFilesystem: true} // Dapr's defaults
	err := Manifests(ms, facts)
	if err == nil {
		t.Fatal("pods with daprd passed restricted on an injector that drops no capabilities")
	}
	want := `Pod Security "restricted" refuses the pod (daprd included): unrestricted capabilities (container "daprd"`
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error does not mention %q:\n%v", want, err)
	}
	for _, fn := range []string{"Service/create-task", "Deployment/send-email", "Deployment/tick-reminders"} {
		if !strings.Contains(err.Error(), fn+" ") {
			t.Errorf("%s is not among the refused pods", fn)
		}
	}
}

// Value changes that bring back a defect the review found.
func TestBrokenValuesFail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		set  map[string]any
		want string
	}{
		{"no pull secret for private GHCR packages", map[string]any{"image": map[string]any{"pullSecrets": []any{}}}, "from GHCR (private by default) without imagePullSecrets"},
		{"no NetworkPolicies", map[string]any{"networkPolicy": map[string]any{"enabled": false}}, "no default-deny NetworkPolicy"},
		{"KafkaTopics in the release namespace", map[string]any{"kafka": map[string]any{"strimzi": map[string]any{"createTopics": true, "namespace": "kafka"}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := RenderWith(chartDir, DefaultRelease, tc.set, valuesPath("values-prod.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			facts, err := FactsFromValues(r.Values, DefaultRelease.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			err = Manifests(r.Manifests, facts)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid values rejected:\n%v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error mentioning %q, got:\n%v", tc.want, err)
			}
		})
	}
	// The chart itself refuses a budget that cannot give every pod one connection.
	_, err := RenderWith(chartDir, DefaultRelease, map[string]any{"pgbouncer": map[string]any{"enabled": false}, "postgres": map[string]any{"connectionBudget": 80}}, valuesPath("values-prod.yaml"))
	if err == nil || !strings.Contains(err.Error(), "connection budget") {
		t.Fatalf("prod without PgBouncer at a budget of 80 rendered: %v", err)
	}
}

// A changed Dapr component reaches running pods: the pod template's checksum changes, so
// Kubernetes rolls the Deployment (and Knative makes a new revision).
func TestComponentChangeRollsPods(t *testing.T) {
	t.Parallel()
	sum := func(set map[string]any) string {
		r, err := RenderWith(chartDir, DefaultRelease, set, valuesPath("values-prod.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Manifests {
			if strings.HasSuffix(m.Source, "deployments.yaml") && strings.Contains(m.YAML, "name: send-email\n") {
				if s := regexp.MustCompile(`checksum/dapr: "([0-9a-f]+)"`).FindStringSubmatch(m.YAML); s != nil {
					return s[1]
				}
			}
		}
		t.Fatal("no checksum/dapr on send-email")
		return ""
	}
	before := sum(nil)
	after := sum(map[string]any{"dapr": map[string]any{"resiliency": map[string]any{"delivery": map[string]any{"maxRetries": 9}}}})
	same := sum(map[string]any{"knative": map[string]any{"target": 50}})
	if before == after {
		t.Errorf("a changed Resiliency policy leaves the pod template as it was (%s)", before)
	}
	if before != same {
		t.Errorf("a change outside Dapr's files rolls the event pods (%s -> %s)", before, same)
	}
}

// deploy/README.md lists, per environment, every Secret and key the chart reads; the list
// is what the rendered objects really reference (so staging's ca.crt is never "optional").
func TestRequiredSecretsMatchREADME(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(repoRoot + "/deploy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			r, err := Render(chartDir, DefaultRelease, valuesPath("values-"+env+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			objs, err := DecodeAll(r.Manifests)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for name, keys := range RequiredSecrets(objs) {
				want = append(want, fmt.Sprintf("%s: %s", name, strings.Join(keys, ", ")))
			}
			slices.Sort(want)
			got := readmeSecrets(t, string(doc), env)
			if !slices.Equal(got, want) {
				t.Fatalf("deploy/README.md's secrets for %s:\n  %s\nthe chart reads:\n  %s", env, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// readmeSecrets reads the table between <!-- secrets:ENV --> and <!-- /secrets -->: rows
// "| `name` | `key`, `key` |".
func readmeSecrets(t *testing.T, doc, env string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<!-- secrets:"+env+" -->")
	if !ok {
		t.Fatalf("deploy/README.md has no <!-- secrets:%s --> table", env)
	}
	table, _, _ := strings.Cut(rest, "<!-- /secrets -->")
	var out []string
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) < 2 || !strings.Contains(cells[0], "`") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[0]), "`")
		var keys []string
		for _, k := range strings.Split(cells[1], ",") {
			keys = append(keys, strings.Trim(strings.TrimSpace(k), "`"))
		}
		slices.Sort(keys)
		out = append(out, fmt.Sprintf("%s: %s", name, strings.Join(keys, ", ")))
	}
	slices.Sort(out)
	return out
}
