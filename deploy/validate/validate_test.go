package validate

import (
	"path/filepath"
	"strings"
	"testing"
)

const (
	repoRoot = "../.."
	chartDir = "../../helm/taskline"
)

func valuesPath(name string) string {
	if name == "" {
		return ""
	}
	return filepath.Join(chartDir, name)
}

// Every values file the project ships, and the alternative runtimes, render manifests that
// decode strictly into the real API types and pass every check.
func TestChartIsValidForEveryValuesFile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values string
		set    map[string]any
	}{
		{name: "defaults", values: ""},
		{name: "dev", values: "values-dev.yaml"},
		{name: "staging", values: "values-staging.yaml"},
		{name: "prod", values: "values-prod.yaml"},
		{name: "prod, events through KafkaSource, publishing to a plaintext Kafka directly (no Dapr)", values: "values-prod.yaml",
			set: map[string]any{"eventRuntime": "kafkasource", "publisher": "kafka", "kafka": map[string]any{"authType": "none", "tls": false}}},
		{name: "prod, events through KafkaSource, publishing through Dapr", values: "values-prod.yaml",
			set: map[string]any{"eventRuntime": "kafkasource"}},
		{name: "prod, HTTP as Deployments", values: "values-prod.yaml", set: map[string]any{"httpRuntime": "deployment"}},
		{name: "prod with tracing to a collector and the Prometheus Operator objects", values: "values-prod.yaml", set: map[string]any{
			"tracing":    map[string]any{"otlpEndpoint": "http://otel-collector.observability:4318"},
			"monitoring": map[string]any{"podMonitor": map[string]any{"enabled": true}, "prometheusRule": map[string]any{"enabled": true}, "dashboard": map[string]any{"enabled": true}},
		}},
		{name: "prod, mTLS to Kafka", values: "values-prod.yaml",
			set: map[string]any{"kafka": map[string]any{"authType": "mtls"}}},
		{name: "prod without PgBouncer at a budget that fits", values: "values-prod.yaml",
			set: map[string]any{"pgbouncer": map[string]any{"enabled": false}, "postgres": map[string]any{"connectionBudget": 400}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var files []string
			if tc.values != "" {
				files = append(files, valuesPath(tc.values))
			}
			r, err := RenderWith(chartDir, DefaultRelease, tc.set, files...)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			facts, err := FactsFromValues(r.Values, DefaultRelease.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			if err := Manifests(r.Manifests, facts); err != nil {
				t.Fatalf("the chart's own manifests fail validation:\n%v", err)
			}
			if !strings.Contains(r.Notes, "Reach it") {
				t.Errorf("NOTES.txt does not say how to reach the service:\n%s", r.Notes)
			}
		})
	}
}

// What each values file installs: the runtime choices in the values really change the
// objects, so an environment cannot silently fall back to the defaults.
func TestValuesFilesInstallWhatTheySay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		values string
		set    map[string]any
		want   []string // Kind/name that must be rendered
		absent []string // Kind/name that must not
	}{
		{
			values: "values-dev.yaml",
			want: []string{"Deployment/create-task", "Service/create-task", "Deployment/send-email", "ScaledObject/send-email",
				"ScaledObject/tick-reminders", "Subscription/task-events", "Component/pubsub", "Gateway/taskline", "HTTPRoute/taskline",
				"KafkaTopic/task-events", "Job/taskline-migrate"},
			absent: []string{"TriggerAuthentication/taskline-kafka", "ReferenceGrant/taskline-taskline"},
		},
		{
			values: "values-prod.yaml",
			want: []string{"Service/create-task", "Deployment/spawn-next-occurrence", "ScaledObject/spawn-next-occurrence",
				"TriggerAuthentication/taskline-kafka", "TriggerAuthentication/taskline-postgres", "Resiliency/taskline",
				"Component/reminder-tick", "Job/taskline-migrate", "NetworkPolicy/taskline-default-deny", "Deployment/pgbouncer",
				"ServiceAccount/send-email"},
			absent: []string{"Deployment/create-task", "KafkaSource/send-email", "Gateway/taskline", "KafkaTopic/task-events",
				"Component/secretstore", "ReferenceGrant/taskline-taskline", "Role/taskline-secret-reader"},
		},
		{
			values: "values-prod.yaml",
			set:    map[string]any{"eventRuntime": "kafkasource", "publisher": "kafka", "kafka": map[string]any{"authType": "none", "tls": false}},
			want:   []string{"KafkaSource/send-email", "KafkaSink/dlq-reminder-events", "Service/send-email", "ScaledObject/tick-reminders"},
			absent: []string{"Component/pubsub", "Subscription/task-events", "ScaledObject/send-email", "Resiliency/taskline", "Deployment/send-email"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.values, func(t *testing.T) {
			t.Parallel()
			r, err := RenderWith(chartDir, DefaultRelease, tc.set, valuesPath(tc.values))
			if err != nil {
				t.Fatal(err)
			}
			objs, err := DecodeAll(r.Manifests)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, o := range objs {
				got[o.ID()] = true
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("%s is not rendered", w)
				}
			}
			for _, a := range tc.absent {
				if got[a] {
					t.Errorf("%s is rendered but should not be", a)
				}
			}
		})
	}
}

func TestHelmLintPassesForEveryValuesFile(t *testing.T) {
	t.Parallel()
	for _, vf := range []string{"", "values-dev.yaml", "values-staging.yaml", "values-prod.yaml"} {
		t.Run("lint "+vf, func(t *testing.T) {
			t.Parallel()
			if err := Lint(chartDir, valuesPath(vf), DefaultRelease); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The chart refuses values that would break a deployment, with a message that says why.
func TestChartRefusesBadValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		set  map[string]any
		want string
	}{
		{"more consumers than partitions", map[string]any{"functions": map[string]any{"send-email": map[string]any{"maxReplicas": 6}}}, "above the 3 partitions"},
		{"subscription without dead-letter topic", map[string]any{"functions": map[string]any{"send-email": map[string]any{"deadLetterTopic": ""}}}, "deadLetterTopic is required"},
		// values.schema.json
		{"unknown Kafka auth type", map[string]any{"kafka": map[string]any{"authType": "kerberos"}}, "at '/kafka/authType': value must be one of"},
		{"KEDA's name for the initial offset", map[string]any{"kafka": map[string]any{"initialOffset": "earliest"}}, "at '/kafka/initialOffset'"},
		{"typo in a values key", map[string]any{"httpRuntme": "deployment"}, "httpRuntme"},
		{"typo in a function's key", map[string]any{"functions": map[string]any{"send-email": map[string]any{"maxReplica": 2}}}, "maxReplica"},
		{"Dapr metrics port on queue-proxy's port", map[string]any{"dapr": map[string]any{"metricsPort": 9090}}, "at '/dapr/metricsPort'"},
		{"direct Kafka publishing to a SASL cluster", map[string]any{"publisher": "kafka"}, "publisher: kafka publishes over plaintext"},
		{"broker list as one string", map[string]any{"kafka": map[string]any{"brokers": []any{"a:9092,b:9092"}}}, "at '/kafka/brokers/0'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := RenderWith(chartDir, DefaultRelease, tc.set, valuesPath("values-prod.yaml"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// The files under infra/ (which the e2e run and the docs use) are exactly what the chart
// renders: one source.
func TestInfraFilesAreRenderedFromTheChart(t *testing.T) {
	t.Parallel()
	drift, err := InfraDrift(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("infra/ differs from the chart; run `make infra`:\n%s", strings.Join(drift, "\n"))
	}
	files, err := InfraFiles(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	// What the e2e harness relies on.
	local := string(files["infra/dapr/local/pubsub.yaml"])
	for _, want := range []string{`value: "localhost:9092"`, `value: "none"`, `value: "{appID}"`, `value: "oldest"`} {
		if !strings.Contains(local, want) {
			t.Errorf("infra/dapr/local/pubsub.yaml lacks %s", want)
		}
	}
	for _, f := range []string{"reminder-tick.yaml", "subscription-task-events.yaml", "subscription-reminder-events.yaml", "resiliency.yaml"} {
		if _, ok := files["infra/dapr/local/"+f]; !ok {
			t.Errorf("infra/dapr/local/%s is not rendered", f)
		}
	}
}
