{{/*
Helpers shared by every template. Object names are the function names themselves
(= Dapr app ids = image names, docs/ARCHITECTURE.md), so one release per namespace.
*/}}

{{/* The standard labels every object carries (Kubernetes' recommended labels and Helm's
chart label). app.kubernetes.io/name is the object's own component: the function name, or
"taskline" for release-wide objects. infra/ is rendered from these templates, so its files
change with the chart version too (`make infra`). */}}
{{- define "taskline.commonLabels" -}}
app.kubernetes.io/part-of: taskline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of release-wide objects (components, policies, routes). */}}
{{- define "taskline.labels" -}}
{{ include "taskline.commonLabels" . }}
app.kubernetes.io/name: taskline
{{- end }}

{{/* Labels of one function's objects. The selector (taskline.selector) stays the name
alone: a Deployment's selector is immutable, and upgrades from older releases must apply. */}}
{{- define "taskline.fnLabels" -}}
{{ include "taskline.commonLabels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .fn.kind }}
{{- end }}

{{- define "taskline.selector" -}}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{/* <registry>/<name>:<tag>, or <registry>/<name>@<digest> when image.digests names the
image (CI deploys by digest: what was scanned and signed is what runs). */}}
{{- define "taskline.image" -}}
{{- $img := .root.Values.image -}}
{{- if not $img.registry }}{{ fail "image.registry is required (e.g. ghcr.io/<repository owner>; CI sets it from github.repository_owner)" }}{{ end -}}
{{- $digest := index ($img.digests | default dict) .name -}}
{{- if $digest -}}
{{ $img.registry }}/{{ .name }}@{{ $digest }}
{{- else -}}
{{ $img.registry }}/{{ .name }}:{{ $img.tag | default .root.Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* Whether Dapr runs at all: something publishes through it or consumes through it. */}}
{{- define "taskline.daprUsed" -}}
{{- if or (eq .Values.publisher "dapr") (eq .Values.eventRuntime "dapr") }}true{{ end }}
{{- end }}

{{/* Whether one function gets a Dapr sidecar.
http: only to publish. event: to consume (eventRuntime=dapr) or publish. schedule: for the
cron binding and to publish. */}}
{{- define "taskline.daprFor" -}}
{{- $v := .root.Values -}}
{{- $fn := .fn -}}
{{- if eq $fn.kind "http" -}}
{{- if and $fn.publishes (eq $v.publisher "dapr") }}true{{ end -}}
{{- else -}}
{{- if or (eq $v.publisher "dapr") (eq $v.eventRuntime "dapr") }}true{{ end -}}
{{- end -}}
{{- end }}

{{/* Whether a function runs as a Knative Service (else a Deployment). */}}
{{- define "taskline.onKnative" -}}
{{- $v := .root.Values -}}
{{- if and (eq .fn.kind "http") (eq $v.httpRuntime "knative") }}true{{ end -}}
{{- if and (eq .fn.kind "event") (eq $v.eventRuntime "kafkasource") }}true{{ end -}}
{{- end }}

{{/* Dapr sidecar annotations (pod template / revision template). */}}
{{- define "taskline.daprAnnotations" -}}
dapr.io/enabled: "true"
dapr.io/app-id: {{ .name | quote }}
dapr.io/app-port: {{ .root.Values.port | quote }}
dapr.io/app-protocol: "http"
dapr.io/metrics-port: {{ .root.Values.dapr.metricsPort | quote }}
dapr.io/log-level: {{ .root.Values.dapr.logLevel | quote }}
dapr.io/sidecar-cpu-request: "10m"
dapr.io/sidecar-memory-request: "32Mi"
dapr.io/sidecar-memory-limit: "128Mi"
# Pod Security "restricted": the injector gives daprd this seccomp profile (a Knative
# revision has no pod-level securityContext to inherit it from). Dropping ALL capabilities
# is an injector-wide setting in Dapr 1.16 (dapr_sidecar_injector.sidecarDropALLCapabilities),
# a platform requirement (deploy/README.md); runAsNonRoot and a read-only root are its defaults.
dapr.io/sidecar-seccomp-profile-type: "RuntimeDefault"
# The pods mount no Kubernetes API token, so daprd must not start its built-in kubernetes
# secret store: components' secretKeyRefs are resolved by the Dapr operator instead.
dapr.io/disable-builtin-k8s-secret-store: "true"
# daprd outlives the app's drain (shared/server.ShutdownTimeout, 10 s): in-flight handlers
# can still publish and acknowledge while the app finishes.
dapr.io/graceful-shutdown-seconds: {{ .root.Values.dapr.gracefulShutdownSeconds | quote }}
{{- if .root.Values.dapr.apiToken.secret }}
# DAPR_API_TOKEN (app -> sidecar) and APP_API_TOKEN (sidecar -> app) from one Secret each:
# the injector gives them to daprd only; the chart sets the same two in the app container.
dapr.io/api-token-secret: {{ .root.Values.dapr.apiToken.secret | quote }}
{{- end }}
{{- if .root.Values.dapr.appToken.secret }}
dapr.io/app-token-secret: {{ .root.Values.dapr.appToken.secret | quote }}
{{- end }}
{{- if .root.Values.tracing.otlpEndpoint }}
# daprd's spans go to the same collector (templates/dapr/configuration.yaml).
dapr.io/config: taskline-tracing
{{- end }}
# A changed component, subscription or resiliency policy rolls the pods: daprd reads them
# only at start.
checksum/dapr: {{ include "taskline.daprChecksum" .root | quote }}
{{- end }}

{{/* Hash of everything daprd loads at start. */}}
{{- define "taskline.daprChecksum" -}}
{{- $out := "" -}}
{{- range $t := list "pubsub.yaml" "reminder-tick.yaml" "resiliency.yaml" "subscriptions.yaml" "configuration.yaml" -}}
{{- $out = print $out (include (print $.Template.BasePath "/dapr/" $t) $) -}}
{{- end -}}
{{- $out | sha256sum | trunc 16 -}}
{{- end }}

{{/* Kafka broker list as one comma-separated string. */}}
{{- define "taskline.brokers" -}}
{{ join "," .Values.kafka.brokers }}
{{- end }}

{{/* KEDA's name for Dapr's initialOffset (oldest/newest -> earliest/latest). */}}
{{- define "taskline.offsetResetPolicy" -}}
{{- if eq .Values.kafka.initialOffset "oldest" }}earliest{{ else if eq .Values.kafka.initialOffset "newest" }}latest{{ else }}{{ fail (printf "kafka.initialOffset must be oldest or newest, not %q" .Values.kafka.initialOffset) }}{{ end -}}
{{- end }}

{{/* The environment of one function's container. */}}
{{- define "taskline.env" -}}
{{- $v := .root.Values -}}
{{- $fn := .fn -}}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{- with $v.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- if ne (toString $fn.database) "false" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.postgres.existingSecret }}
      key: {{ $v.postgres.urlKey }}
# Pool size per pod from the connection budget (taskline.poolSize, deploy/README.md).
- name: DATABASE_POOL_MAX_CONNS
  value: {{ include "taskline.poolSize" .root | quote }}
{{- if and $fn.listens $v.pgbouncer.enabled }}
# The event stream's LISTEN needs a session: one direct connection per pod, past PgBouncer.
- name: DATABASE_LISTEN_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.pgbouncer.existingSecret }}
      key: {{ $v.pgbouncer.urlKey }}
{{- end }}
{{- end }}
{{- if and (eq $fn.kind "http") $v.corsOrigins }}
- name: CORS_ORIGINS
  value: {{ join "," $v.corsOrigins | quote }}
{{- end }}
{{- if $fn.llm }}
{{- $l := $v.chat }}
{{- if $l.openai.existingSecret }}
- name: OPENAI_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $l.openai.existingSecret }}
      key: {{ $l.openai.apiKeyKey }}
{{- end }}
{{- with $l.openai.baseURL }}
- name: OPENAI_BASE_URL
  value: {{ . | quote }}
{{- end }}
{{- if $l.anthropic.existingSecret }}
- name: ANTHROPIC_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $l.anthropic.existingSecret }}
      key: {{ $l.anthropic.apiKeyKey }}
      optional: true
{{- end }}
{{- with $l.model }}
- name: CHAT_MODEL
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if and (eq $fn.kind "http") (ne (toString $fn.database) "false") }}
{{- if $v.auth.jwksURL }}
- name: JWT_JWKS_URL
  value: {{ $v.auth.jwksURL | quote }}
{{- else }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $v.auth.existingSecret }}
      key: {{ $v.auth.secretKey }}
{{- end }}
{{- with $v.auth.issuer }}
- name: JWT_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with $v.auth.audience }}
- name: JWT_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if $fn.publishes }}
- name: PUBLISHER
  value: {{ $v.publisher | quote }}
{{- if and (eq $v.publisher "kafka") (or (ne $v.kafka.authType "none") $v.kafka.tls) }}
{{- fail "publisher: kafka publishes over plaintext without SASL (the functions read only KAFKA_BROKERS): use publisher: dapr with kafka.authType/tls, or a plaintext in-cluster Kafka" }}
{{- end }}
{{- if eq $v.publisher "dapr" }}
- name: DAPR_PUBSUB_NAME
  value: {{ $v.dapr.pubsubName | quote }}
{{- else }}
- name: KAFKA_BROKERS
  value: {{ include "taskline.brokers" .root | quote }}
{{- end }}
{{- end }}
{{- if include "taskline.daprFor" . }}
{{- with $v.dapr.apiToken.secret }}
# The Dapr SDK sends it on every call to daprd, which refuses calls without it.
- name: DAPR_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: token
{{- end }}
{{- with $v.dapr.appToken.secret }}
# daprd sends it on every delivery; the event and binding routes refuse calls without it.
- name: APP_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: token
{{- end }}
{{- end }}
{{- if eq $fn.kind "event" }}
- name: DAPR_SUBSCRIBE
  value: "declarative"
{{- end }}
{{- if $fn.mail }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.smtp.existingSecret }}
      key: {{ $v.smtp.urlKey }}
- name: MAIL_FROM
  value: {{ $v.smtp.from | quote }}
{{- end }}
- name: APP_BASE_URL
  value: {{ $v.appBaseURL | quote }}
{{- end }}

{{/* The function container, shared by Knative Services and Deployments. Knative sets PORT
itself from the container port and rejects a PORT variable, so only Deployments set it. */}}
{{- define "taskline.container" -}}
{{- $v := .root.Values -}}
- name: function
  image: {{ include "taskline.image" . }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  ports:
    - name: {{ if .knative }}http1{{ else }}http{{ end }}
      containerPort: {{ $v.port }}
      protocol: TCP
  env:
{{- if not .knative }}
    - name: PORT
      value: {{ $v.port | quote }}
{{- end }}
{{- include "taskline.env" . | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: {{ $v.port }}
{{- if not .knative }}
    periodSeconds: 5
    failureThreshold: 3
{{- end }}
    {{- /* Knative: no periodSeconds, so queue-proxy probes aggressively at start-up (a set
    periodSeconds turns that off and slows every cold start). */}}
  livenessProbe:
    httpGet:
      path: /healthz
      port: {{ $v.port }}
    periodSeconds: 10
    failureThreshold: 3
  resources:
    {{- toYaml $v.resources | nindent 4 }}
  securityContext:
    {{- toYaml $v.securityContext | nindent 4 }}
{{- end }}

{{/* KEDA's name for Dapr's saslMechanism. */}}
{{- define "taskline.kedaSasl" -}}
{{- $m := .Values.kafka.saslMechanism -}}
{{- if eq $m "SHA-512" }}scram_sha512{{ else if eq $m "SHA-256" }}scram_sha256{{ else if eq $m "PLAINTEXT" }}plaintext{{ else }}{{ fail (printf "kafka.saslMechanism must be SHA-512, SHA-256 or PLAINTEXT, not %q" $m) }}{{ end -}}
{{- end }}

{{/* KafkaSource net section (SASL/TLS from the Kafka secret). Knative reads the SASL type
from the secret too, so the secret carries it under kafka.saslTypeKey. */}}
{{- define "taskline.kafkaSourceNet" -}}
{{- $k := .Values.kafka -}}
{{- if or $k.tls (ne $k.authType "none") }}
net:
  {{- if eq $k.authType "password" }}
  sasl:
    enable: true
    user:
      secretKeyRef:
        name: {{ $k.existingSecret }}
        key: {{ $k.usernameKey }}
    password:
      secretKeyRef:
        name: {{ $k.existingSecret }}
        key: {{ $k.passwordKey }}
    type:
      secretKeyRef:
        name: {{ $k.existingSecret }}
        key: {{ $k.saslTypeKey }}
  {{- end }}
  {{- if $k.tls }}
  tls:
    enable: true
    {{- if $k.caCertKey }}
    caCert:
      secretKeyRef:
        name: {{ $k.existingSecret }}
        key: {{ $k.caCertKey }}
    {{- end }}
    {{- if eq $k.authType "mtls" }}
    cert:
      secretKeyRef:
        name: {{ $k.existingSecret }}
        key: tls.crt
    key:
      secretKeyRef:
        name: {{ $k.existingSecret }}
        key: tls.key
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}

{{/* Connections one pod may open (DATABASE_POOL_MAX_CONNS): the budget the database gives
the app (postgres.connectionBudget, or PgBouncer's client limit when it is on) divided by
the most pods that can run at once (every DB function at its max scale), at least 1. The
render fails when even 1 per pod does not fit: lower the max scales or turn PgBouncer on. */}}
{{- define "taskline.maxPods" -}}
{{- $v := .Values -}}
{{- $n := 0 -}}
{{- range $name, $fn := $v.functions -}}
{{- if and $fn.enabled (ne (toString $fn.database) "false") -}}
{{- if eq $fn.kind "schedule" -}}{{- $n = add $n $v.keda.tick.maxReplicas -}}
{{- else if eq $fn.kind "event" -}}{{- $n = add $n $fn.maxReplicas -}}
{{- else if eq $v.httpRuntime "knative" -}}{{- $n = add $n ($fn.maxReplicas | default $v.knative.maxScale) -}}
{{- else -}}{{- $n = add $n ($fn.replicas | default 1) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $n -}}
{{- end }}

{{- define "taskline.connectionBudget" -}}
{{- if .Values.pgbouncer.enabled }}{{ .Values.pgbouncer.maxClientConnections }}{{ else }}{{ .Values.postgres.connectionBudget }}{{ end -}}
{{- end }}

{{- define "taskline.poolSize" -}}
{{- $pods := int (include "taskline.maxPods" .) -}}
{{- $budget := int (include "taskline.connectionBudget" .) -}}
{{- $size := div $budget (max $pods 1) -}}
{{- if lt $size 1 }}{{ fail (printf "connection budget: %d pods at max scale need at least %d connections, the budget is %d (postgres.connectionBudget, or pgbouncer.enabled)" $pods $pods $budget) }}{{ end -}}
{{- min $size .Values.postgres.maxPoolSize -}}
{{- end }}

{{/* Reminders that are due soon (woken ahead so they go out on time) or whose retry time
has come: one count, used by tick-reminders' and send-email's KEDA triggers. */}}
{{- define "taskline.dueRemindersQuery" -}}
{{- $w := .Values.keda.tick.wakeAhead -}}
SELECT count(*) FROM reminders WHERE status IN ('pending', 'retrying', 'triggered') AND reminder_is_due(status, remind_at, next_attempt_at, updated_at, leased_until, now() + interval '{{ $w }}', interval '10 minutes')
{{- end }}

{{/* The ports of the Kafka brokers, comma-separated (for NetworkPolicies). */}}
{{- define "taskline.brokerPorts" -}}
{{- $ports := list -}}
{{- range .Values.kafka.brokers -}}
{{- $ports = append $ports (regexReplaceAll "^.*:" . "") -}}
{{- end -}}
{{- join "," $ports -}}
{{- end }}

{{/* The OTLP endpoint as Dapr's Configuration wants it (host:port, no scheme), and its port. */}}
{{- define "taskline.otlpHostPort" -}}
{{- $u := urlParse .Values.tracing.otlpEndpoint -}}
{{- if contains ":" $u.host }}{{ $u.host }}{{ else }}{{ $u.host }}:{{ if eq $u.scheme "https" }}443{{ else }}4318{{ end }}{{ end -}}
{{- end }}

{{- define "taskline.otlpPort" -}}
{{- include "taskline.otlpHostPort" . | splitList ":" | last -}}
{{- end }}
