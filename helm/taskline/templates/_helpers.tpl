{{/*
Helpers shared by every template. Object names are the function names themselves
(= Dapr app ids = image names, docs/ARCHITECTURE.md), so one release per namespace.
*/}}

{{/* Labels every object carries. Kept free of chart and release versions on purpose: the
Dapr files under infra/dapr are rendered from these templates and must not change when the
chart version moves. */}}
{{- define "taskline.labels" -}}
app.kubernetes.io/part-of: taskline
{{- end }}

{{/* Labels of one function's objects; the second line is also its selector. */}}
{{- define "taskline.fnLabels" -}}
{{ include "taskline.labels" .root }}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{- define "taskline.selector" -}}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{- define "taskline.image" -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag | default .root.Chart.AppVersion }}
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
{{- if ne (toString $fn.database) "false" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.postgres.existingSecret }}
      key: {{ $v.postgres.urlKey }}
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
    periodSeconds: 5
    failureThreshold: 3
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
