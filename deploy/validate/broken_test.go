package validate

import (
	"strings"
	"sync"
	"testing"
)

// rendered caches one render per values setup: the broken-manifest cases each start from a
// fresh copy of the same valid manifests.
var rendered sync.Map // key string -> renderResult

type renderResult struct {
	ms    []Manifest
	facts Facts
	err   error
}

func renderFor(t *testing.T, setup string) ([]Manifest, Facts) {
	t.Helper()
	sets := map[string]struct {
		file string
		set  map[string]any
	}{
		"prod":        {"values-prod.yaml", nil},
		"dev":         {"values-dev.yaml", nil},
		"kafkasource": {"values-prod.yaml", map[string]any{"eventRuntime": "kafkasource"}},
	}
	s, ok := sets[setup]
	if !ok {
		t.Fatalf("unknown setup %q", setup)
	}
	v, _ := rendered.LoadOrStore(setup, sync.OnceValue(func() renderResult {
		r, err := RenderWith(chartDir, DefaultRelease, s.set, valuesPath(s.file))
		if err != nil {
			return renderResult{err: err}
		}
		f, err := FactsFromValues(r.Values, DefaultRelease.Namespace)
		return renderResult{ms: r.Manifests, facts: f, err: err}
	}))
	res := v.(func() renderResult)()
	if res.err != nil {
		t.Fatal(res.err)
	}
	return append([]Manifest(nil), res.ms...), res.facts
}

// Each case breaks one valid manifest the way real deployments get broken, and the
// validation must reject it with a message that names the problem. The unbroken manifests
// pass (TestChartIsValidForEveryValuesFile), so each failure here is the mutation's.
func TestBrokenManifestsFail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		setup    string
		template string // suffix of the template path
		object   string // Kind/name of the document to break
		old, new string // the edit (old must occur in that document)
		want     string // expected in the error
	}{
		// Typos in a field: strict decoding against the real API types.
		{"typo in a Knative Service field", "prod", "knative-services.yaml", "Service/create-task",
			"containerConcurrency:", "containerConcurency:", `unknown field "spec.template.spec.containerConcurency"`},
		{"typo in a KEDA ScaledObject field", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			"maxReplicaCount:", "maxReplicasCount:", `unknown field "spec.maxReplicasCount"`},
		{"wrong case in a Deployment field", "prod", "deployments.yaml", "Deployment/send-email",
			"containerPort:", "containerport:", `unknown field "spec.template.spec.containers[0].ports[0].containerport"`},
		{"typo in a Dapr Subscription field", "prod", "subscriptions.yaml", "Subscription/task-events",
			"deadLetterTopic:", "deadLettertopic:", "deadLettertopic"},
		{"typo in a Dapr component's metadata name", "prod", "pubsub.yaml", "Component/pubsub",
			"name: consumerGroup", "name: consumerGoup", `no metadata named "consumerGoup"`},
		{"value Dapr does not allow", "prod", "pubsub.yaml", "Component/pubsub",
			`value: "oldest"`, `value: "earliest"`, `initialOffset: "earliest" is not one of`},
		{"typo in KEDA trigger metadata", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			"lagThreshold:", "lagTreshold:", `metadata "lagTreshold" is not a parameter of the kafka scaler`},
		{"KEDA enum value it does not know", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			`sasl: "scram_sha512"`, `sasl: "scram-sha-512"`, "KEDA cannot parse it"},
		{"typo in a KafkaSource field", "kafkasource", "kafkasources.yaml", "KafkaSource/send-email",
			"consumerGroup:", "consumergroup:", `unknown field "spec.consumergroup"`},
		{"duplicate key", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			"  minReplicaCount: 0\n", "  minReplicaCount: 0\n  minReplicaCount: 1\n", "already set in map"},
		{"unknown kind", "prod", "serviceaccount.yaml", "ServiceAccount/create-task",
			"kind: ServiceAccount", "kind: ServiceAcount", "unknown apiVersion/kind"},

		// Consumer group, topic, brokers and offsets: KEDA must watch what Dapr consumes.
		{"KEDA consumer group differs from Dapr's", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			`consumerGroup: "send-email"`, `consumerGroup: "taskline"`, `consumerGroup "taskline" is not the group Dapr uses for app send-email ("send-email")`},
		{"Dapr consumer group changed under KEDA", "prod", "pubsub.yaml", "Component/pubsub",
			`value: "{appID}"`, `value: "taskline-consumers"`, `is not the group Dapr uses for app spawn-next-occurrence ("taskline-consumers")`},
		{"Dapr consumer group per pod", "prod", "pubsub.yaml", "Component/pubsub",
			"name: consumerGroup\n      value: \"{appID}\"", "name: consumerGroup\n      value: \"{podName}\"", "depends on the pod"},
		{"KEDA topic is not the subscribed topic", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			`topic: "reminder-events"`, `topic: "notification-events"`, `topic "notification-events" is not a topic app send-email subscribes to`},
		{"KEDA without topic", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			"        topic: \"reminder-events\"\n", "", "kafka trigger without topic"},
		{"KEDA brokers differ from Dapr's", "prod", "scaledobjects.yaml", "ScaledObject/spawn-next-occurrence",
			`bootstrapServers: "b-1.`, `bootstrapServers: "b-9.`, "differ from the Dapr component's brokers"},
		{"KEDA offset policy disagrees with Dapr", "prod", "scaledobjects.yaml", "ScaledObject/spawn-next-occurrence",
			`offsetResetPolicy: "earliest"`, `offsetResetPolicy: "latest"`, `offsetResetPolicy "latest" disagrees with Dapr initialOffset "oldest"`},
		{"more replicas than partitions", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			"maxReplicaCount: 3", "maxReplicaCount: 5", "maxReplicaCount 5 is above the 3 partitions of reminder-events"},
		{"KafkaSource with more consumers than partitions", "kafkasource", "kafkasources.yaml", "KafkaSource/send-email",
			"consumers: 3", "consumers: 4", "consumers 4 is above the 3 partitions"},

		// Replica bounds: KEDA's own validation.
		{"min replicas above max", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			"minReplicaCount: 0", "minReplicaCount: 5", "MinReplicaCount=5 must be less than MaxReplicaCount=3"},
		{"does not scale to zero", "prod", "scaledobjects.yaml", "ScaledObject/tick-reminders",
			"minReplicaCount: 0", "minReplicaCount: 1", "never scales to zero"},
		{"scaleTargetRef names no Deployment", "prod", "scaledobjects.yaml", "ScaledObject/tick-reminders",
			"name: tick-reminders\n  minReplicaCount", "name: tick-reminder\n  minReplicaCount", "scaleTargetRef apps/v1 Deployment/tick-reminder is not a Deployment of the chart"},
		{"authenticationRef names no TriggerAuthentication", "prod", "scaledobjects.yaml", "ScaledObject/tick-reminders",
			"name: taskline-postgres", "name: taskline-pg", `authenticationRef "taskline-pg" is not a TriggerAuthentication`},
		{"TriggerAuthentication parameter the scaler does not read", "prod", "triggerauthentications.yaml", "TriggerAuthentication/taskline-postgres",
			"parameter: connection", "parameter: connectionString", `provides parameter "connectionString"`},

		// Ports.
		{"two container ports in a Deployment", "prod", "deployments.yaml", "Deployment/send-email",
			"              protocol: TCP\n", "              protocol: TCP\n            - name: metrics\n              containerPort: 9102\n", "declares 2 ports"},
		{"two container ports in a Knative Service", "prod", "knative-services.yaml", "Service/create-task",
			"              protocol: TCP\n", "              protocol: TCP\n            - name: h2c\n              containerPort: 9102\n", "Knative rejects it"},
		{"Dapr app-port is not the container port", "prod", "deployments.yaml", "Deployment/spawn-next-occurrence",
			`dapr.io/app-port: "8080"`, `dapr.io/app-port: "3000"`, `dapr.io/app-port is "3000" but the container listens on 8080`},
		{"Dapr metrics port 9090", "prod", "deployments.yaml", "Deployment/send-email",
			`dapr.io/metrics-port: "9095"`, `dapr.io/metrics-port: "9090"`, "dapr.io/metrics-port is 9090"},
		{"Dapr metrics port taken by queue-proxy on Knative", "prod", "knative-services.yaml", "Service/create-task",
			`dapr.io/metrics-port: "9095"`, `dapr.io/metrics-port: "9091"`, "reserved by Knative's queue-proxy"},
		{"probe on another port", "prod", "deployments.yaml", "Deployment/tick-reminders",
			"path: /readyz\n              port: 8080", "path: /readyz\n              port: 8081", "readinessProbe probes port 8081"},
		{"PORT disagrees with the container port", "prod", "deployments.yaml", "Deployment/tick-reminders",
			"- name: PORT\n              value: \"8080\"", "- name: PORT\n              value: \"9000\"", "PORT=9000"},
		{"Knative Service sets the reserved PORT", "prod", "knative-services.yaml", "Service/query-tasks",
			"- name: LOG_LEVEL", "- name: PORT\n              value: \"8080\"\n            - name: LOG_LEVEL", "Knative rejects it"},

		// Dapr scopes, dead letters, retries.
		{"subscription scoped to an app that does not exist", "prod", "subscriptions.yaml", "Subscription/reminder-events",
			"  - send-email", "  - send-mail", `scope "send-mail" is not the app id`},
		{"cron binding scoped to an app that does not exist", "prod", "reminder-tick.yaml", "Component/reminder-tick",
			"  - tick-reminders", "  - tick-reminder", `scope "tick-reminder" is not the app id`},
		{"cron schedule the binding cannot parse", "prod", "reminder-tick.yaml", "Component/reminder-tick",
			`value: "@every 10s"`, `value: "@evry 10s"`, `schedule "@evry 10s"`},
		{"subscription without dead-letter topic", "prod", "subscriptions.yaml", "Subscription/task-events",
			"  deadLetterTopic: dlq.task-events\n", "", "no deadLetterTopic"},
		{"component retries for ever", "prod", "pubsub.yaml", "Component/pubsub",
			"name: consumeRetryEnabled\n      value: \"false\"", "name: consumeRetryEnabled\n      value: \"true\"", "blocks its partition"},
		{"maxMessageBytes rendered as a float", "prod", "pubsub.yaml", "Component/pubsub",
			`value: "1048576"`, `value: "1.048576e+06"`, "maxMessageBytes \"1.048576e+06\" is not a positive integer"},
		{"SASL password written into the component", "prod", "pubsub.yaml", "Component/pubsub",
			"- name: saslPassword\n      secretKeyRef:\n        name: taskline-kafka\n        key: password", "- name: saslPassword\n      value: hunter2", "take it from the secret store"},
		{"resiliency retries for ever", "prod", "resiliency.yaml", "Resiliency/taskline",
			"maxRetries: 8", "maxRetries: -1", "retry delivery retries for ever"},
		{"resiliency names a policy that does not exist", "prod", "resiliency.yaml", "Resiliency/taskline",
			"retry: publish", "retry: publishing", `names retry "publishing"`},
		{"circuit breaker on delivery", "prod", "resiliency.yaml", "Resiliency/taskline",
			"          retry: delivery\n", "          retry: delivery\n          circuitBreaker: broker\n", "inbound has a circuit breaker"},
		{"Dapr subscriber as a Knative Service", "prod", "subscriptions.yaml", "Subscription/task-events",
			"  - spawn-next-occurrence", "  - create-task", `scope "create-task" runs as a Knative Service: a Dapr subscriber there is not woken from zero`},

		// Routing and hooks.
		{"HTTPRoute rewrites to a Knative Service that does not exist", "prod", "route.yaml", "HTTPRoute/taskline",
			"hostname: create-task.taskline.svc.cluster.local", "hostname: create-tasks.taskline.svc.cluster.local", `rewrites the host to "create-tasks.taskline.svc.cluster.local"`},
		{"HTTPRoute backend in another namespace that is not Knative's local gateway", "prod", "route.yaml", "HTTPRoute/taskline",
			"- name: kourier-internal\n          namespace: kourier-system", "- name: postgres\n          namespace: databases", "is not Knative's cluster-local gateway"},
		{"HTTPRoute to a missing Service", "dev", "route.yaml", "HTTPRoute/taskline",
			"- name: query-tasks\n          port: 80", "- name: query-task\n          port: 80", "backendRef query-task is not a Service of the chart"},
		{"HTTP function left out of the route", "dev", "route.yaml", "HTTPRoute/taskline",
			"- name: query-tasks\n          port: 80", "- name: web\n          port: 80", "Service query-tasks is not reachable through the route"},
		{"Dapr annotations on the Knative Service instead of its revision template", "prod", "knative-services.yaml", "Service/create-task",
			"    networking.knative.dev/visibility: cluster-local\nspec:", "    networking.knative.dev/visibility: cluster-local\n  annotations:\n    dapr.io/enabled: \"true\"\nspec:", "not on its pod template"},
		{"HTTPRoute path regex that does not compile", "dev", "route.yaml", "HTTPRoute/taskline",
			`value: "/api/[^/]+/tags"`, `value: "/api/[^/+/tags"`, "path regex"},
		{"migration hook uses the chart's ServiceAccount", "prod", "migrate-job.yaml", "Job/taskline-migrate",
			"      restartPolicy: Never\n", "      restartPolicy: Never\n      serviceAccountName: create-task\n", "hook uses ServiceAccount \"create-task\""},
		// What a platform team's review finds (issue 13). Each fails on the chart as it was.
		{"Pod Security: daprd without a seccomp profile on Knative", "prod", "knative-services.yaml", "Service/create-task",
			"        dapr.io/sidecar-seccomp-profile-type: \"RuntimeDefault\"\n", "", `Pod Security "restricted" refuses the pod (daprd included): seccompProfile`},
		{"Pod Security: the app container keeps its capabilities", "prod", "deployments.yaml", "Deployment/send-email",
			"            capabilities:\n              drop:\n              - ALL\n", "", `Pod Security "restricted" refuses the pod (daprd included): unrestricted capabilities (container "function"`},
		{"Pod Security: the migration Job may run as root", "prod", "migrate-job.yaml", "Job/taskline-migrate",
			"runAsNonRoot: true", "runAsNonRoot: false", `Pod Security "restricted" refuses the pod`},
		{"Knative Service public on Knative's domain", "prod", "knative-services.yaml", "Service/query-tasks",
			"    networking.knative.dev/visibility: cluster-local\n", "", "public on Knative's own domain"},
		{"KafkaTopic outside Strimzi's namespace", "dev", "kafka-topics.yaml", "KafkaTopic/task-events",
			"  namespace: kafka\n", "", `Strimzi's Topic Operator watches only "kafka"`},
		{"object without the standard labels", "prod", "pubsub.yaml", "Component/pubsub",
			"    app.kubernetes.io/managed-by: Helm\n", "", "lacks the standard labels app.kubernetes.io/managed-by"},
		{"pod template without the standard labels", "prod", "deployments.yaml", "Deployment/tick-reminders",
			"        helm.sh/chart: taskline-0.1.0\n", "", "the pod template lacks the standard labels helm.sh/chart"},
		{"component without scopes", "prod", "reminder-tick.yaml", "Component/reminder-tick",
			"scopes:\n  - tick-reminders", "", "without scopes is loaded by every app"},
		{"two functions share a ServiceAccount", "prod", "deployments.yaml", "Deployment/send-email",
			"serviceAccountName: send-email", "serviceAccountName: tick-reminders", "shares ServiceAccount tick-reminders"},
		{"pod mounts an API token", "prod", "knative-services.yaml", "Service/chat",
			"automountServiceAccountToken: false", "automountServiceAccountToken: true", "mounts a Kubernetes API token"},
		{"KEDA holds the app's read-write credential", "prod", "triggerauthentications.yaml", "TriggerAuthentication/taskline-postgres",
			"name: taskline-postgres-keda", "name: taskline-postgres", "the app's read-write credential taskline-postgres/DATABASE_URL"},
		{"no default-deny NetworkPolicy", "prod", "networkpolicies.yaml", "NetworkPolicy/taskline-default-deny",
			"  podSelector: {}", "  podSelector: {matchLabels: {app.kubernetes.io/name: web}}", "no default-deny NetworkPolicy"},
		{"daprd cannot reach Dapr's control plane", "prod", "networkpolicies.yaml", "NetworkPolicy/send-email",
			"kubernetes.io/metadata.name: dapr-system", "kubernetes.io/metadata.name: dapr", "reach Dapr's control plane in dapr-system"},
		{"no egress to Kafka", "prod", "networkpolicies.yaml", "NetworkPolicy/spawn-next-occurrence",
			"- { port: 9096, protocol: TCP }", "- { port: 9092, protocol: TCP }", "egress to the Kafka broker b-1.taskline-prod.kafka.example.com:9096"},
		{"no egress to Postgres", "dev", "networkpolicies.yaml", "NetworkPolicy/query-tasks",
			"- { port: 5432, protocol: TCP }", "- { port: 5433, protocol: TCP }", "egress to Postgres (port 5432)"},
		{"daprd stops before the app drained", "prod", "deployments.yaml", "Deployment/spawn-next-occurrence",
			`dapr.io/graceful-shutdown-seconds: "15"`, `dapr.io/graceful-shutdown-seconds: "5"`, "graceful-shutdown-seconds 5 is shorter than the app's 10 s drain"},
		{"grace period shorter than daprd's shutdown", "prod", "deployments.yaml", "Deployment/tick-reminders",
			"terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 12", "terminationGracePeriodSeconds 12 does not leave daprd its 15 s"},
		{"Knative readiness with periodSeconds", "prod", "knative-services.yaml", "Service/profile",
			"              path: /readyz\n              port: 8080\n", "              path: /readyz\n              port: 8080\n            periodSeconds: 5\n", "turns off Knative's aggressive start-up probing"},
		{"app container without DAPR_API_TOKEN", "prod", "deployments.yaml", "Deployment/send-email",
			"- name: DAPR_API_TOKEN", "- name: DAPR_TOKEN", "the app container does not read DAPR_API_TOKEN"},
		{"APP_API_TOKEN turned off", "prod", "knative-services.yaml", "Service/create-task",
			"        dapr.io/app-token-secret: \"taskline-dapr-app-token\"\n", "", "no dapr.io/app-token-secret: APP_API_TOKEN is off"},
		{"component change never reaches the pods", "prod", "deployments.yaml", "Deployment/send-email",
			"checksum/dapr:", "checksum-dapr:", "no checksum/dapr annotation"},
		{"pools above the connection budget", "prod", "knative-services.yaml", "Service/create-task",
			"- name: DATABASE_POOL_MAX_CONNS\n              value: \"8\"", "- name: DATABASE_POOL_MAX_CONNS\n              value: \"90\"", "above the budget of 2000"},
		{"pool size left to pgx", "prod", "deployments.yaml", "Deployment/tick-reminders",
			"- name: DATABASE_POOL_MAX_CONNS", "- name: DATABASE_POOL_MAX", "no DATABASE_POOL_MAX_CONNS"},
		{"send-email wakes only on Kafka lag", "prod", "scaledobjects.yaml", "ScaledObject/send-email",
			`query: "SELECT count(*) FROM reminders WHERE`, `query: "SELECT count(*) FROM reminders WHERE false AND`, "wakes only on Kafka lag"},
		{"TLS to Strimzi without its CA", "dev", "pubsub.yaml", "Component/pubsub",
			`- name: disableTls
      value: "true"`, `- name: disableTls
      value: "false"`, "TLS to an in-cluster (Strimzi) Kafka without caCert"},

		{"KafkaSource without dead-letter sink", "kafkasource", "kafkasources.yaml", "KafkaSource/send-email",
			"    deadLetterSink:\n      ref:\n        apiVersion: eventing.knative.dev/v1alpha1\n        kind: KafkaSink\n        name: dlq-reminder-events\n", "", "no delivery.deadLetterSink"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ms, facts := renderFor(t, tc.setup)
			hit := 0
			for i, m := range ms {
				o, err := Decode(m)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(m.Source, tc.template) || o.ID() != tc.object {
					continue
				}
				if !strings.Contains(m.YAML, tc.old) {
					t.Fatalf("%s %s does not contain %q; the case no longer breaks anything:\n%s", tc.template, tc.object, tc.old, m.YAML)
				}
				ms[i].YAML = strings.Replace(m.YAML, tc.old, tc.new, 1)
				hit++
			}
			if hit != 1 {
				t.Fatalf("%d documents named %s in %s, want 1", hit, tc.object, tc.template)
			}
			err := Manifests(ms, facts)
			if err == nil {
				t.Fatalf("the broken manifest passed validation")
			}
			t.Logf("rejected as expected:\n%v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error does not mention %q:\n%v", tc.want, err)
			}
		})
	}
}
