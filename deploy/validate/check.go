package validate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	daprcomponents "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	daprresiliency "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
	daprsubscriptions "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
	"github.com/dapr/kit/cron"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"knative.dev/pkg/apis"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	"knative.dev/serving/pkg/networking"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"github.com/taskline/taskline/deploy/validate/kafkaapi"
)

// Facts are what the manifests must agree with but do not all state themselves.
type Facts struct {
	// Partitions is the partition count of each Kafka topic.
	Partitions map[string]int
	// Namespace is the namespace the release installs into.
	Namespace string
	// Release is the release name (app.kubernetes.io/instance).
	Release string
	// StrimziNamespace is where KafkaTopics must go: the Kafka cluster's namespace.
	StrimziNamespace string
	// LocalGateway is Knative's cluster-local gateway Service, "namespace/name": the one
	// backend in another namespace the route may use (the platform grants it).
	LocalGateway string
	// DaprNamespace is the namespace of Dapr's control plane.
	DaprNamespace string
	// PubsubName is the Dapr pubsub component.
	PubsubName string
	// PostgresPort is the port the functions reach Postgres (or PgBouncer) on.
	PostgresPort int
	// ConnectionBudget is the most connections all pools together may open.
	ConnectionBudget int
	// Injector is how the cluster's Dapr sidecar injector is installed.
	Injector DaprInjector
}

// FactsFromValues reads the facts from the chart values the manifests were rendered with.
func FactsFromValues(values map[string]any, namespace string) (Facts, error) {
	f := Facts{Partitions: map[string]int{}, Namespace: namespace, Release: DefaultRelease.Name, Injector: PlatformInjector,
		DaprNamespace: "dapr-system", PostgresPort: 5432, PubsubName: "pubsub"}
	str := func(path ...string) string {
		var cur any = values
		for _, k := range path {
			m, _ := cur.(map[string]any)
			cur = m[k]
		}
		s, _ := cur.(string)
		return s
	}
	num := func(path ...string) int {
		var cur any = values
		for _, k := range path {
			m, _ := cur.(map[string]any)
			cur = m[k]
		}
		n, _ := toInt(cur)
		return n
	}
	f.StrimziNamespace = str("kafka", "strimzi", "namespace")
	f.LocalGateway = str("knative", "localGateway", "namespace") + "/" + str("knative", "localGateway", "name")
	if ns := str("networkPolicy", "daprNamespace"); ns != "" {
		f.DaprNamespace = ns
	}
	if n := str("dapr", "pubsubName"); n != "" {
		f.PubsubName = n
	}
	if pb, _ := values["pgbouncer"].(map[string]any); pb["enabled"] == true {
		f.ConnectionBudget = num("pgbouncer", "maxClientConnections")
	} else {
		f.ConnectionBudget = num("postgres", "connectionBudget")
		if n := num("networkPolicy", "postgres", "port"); n > 0 {
			f.PostgresPort = n
		}
	}
	kafka, _ := values["kafka"].(map[string]any)
	topics, _ := kafka["topics"].(map[string]any)
	if len(topics) == 0 {
		return f, errors.New("values: kafka.topics is empty")
	}
	for name, t := range topics {
		tm, _ := t.(map[string]any)
		n, ok := toInt(tm["partitions"])
		if !ok || n < 1 {
			return f, fmt.Errorf("values: kafka.topics.%s.partitions must be a positive number", name)
		}
		f.Partitions[name] = n
	}
	return f, nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

// knativeReservedPorts are the ports Knative's queue-proxy uses inside every revision pod;
// a sidecar (daprd's metrics endpoint) that binds one of them breaks the pod.
var knativeReservedPorts = []int{
	networking.BackendHTTPPort, networking.BackendHTTP2Port, networking.QueueAdminPort,
	networking.AutoscalingQueueMetricsPort, networking.UserQueueMetricsPort, 8008, 8112,
}

// app is one workload that can carry a Dapr sidecar: a Deployment or a Knative Service.
type app struct {
	obj     Object
	knative bool
	top     map[string]string // the object's own annotations (not the pod's)
	meta    map[string]string // pod template annotations
	labels  map[string]string // pod template labels
	pod     *corev1.PodSpec
	replica *int32 // Deployment spec.replicas
}

func (a app) daprEnabled() bool { return a.meta["dapr.io/enabled"] == "true" }

// appID is the Dapr app id, empty without a sidecar.
func (a app) appID() string {
	if !a.daprEnabled() {
		return ""
	}
	return a.meta["dapr.io/app-id"]
}

// index is every decoded object by kind and name.
type index struct {
	facts          Facts
	apps           map[string]app // by object name; Deployments and Knative Services
	services       map[string]*corev1.Service
	ksvcs          map[string]*servingv1.Service
	components     map[string]*daprcomponents.Component
	subscriptions  []*daprsubscriptions.Subscription
	resiliencies   []*daprresiliency.Resiliency
	scaledObjects  map[string]*kedav1alpha1.ScaledObject
	triggerAuths   map[string]*kedav1alpha1.TriggerAuthentication
	kafkaSources   map[string]*kafkaapi.KafkaSource
	kafkaSinks     map[string]*kafkaapi.KafkaSink
	kafkaTopics    map[string]*kafkaapi.KafkaTopic
	routes         map[string]*gatewayv1.HTTPRoute
	aux            []app // Deployments that are not functions (PgBouncer)
	grants         []*gatewayv1beta1.ReferenceGrant
	jobs           map[string]Object
	serviceAccount map[string]bool
	saPullSecrets  map[string]bool // ServiceAccounts that carry imagePullSecrets
}

// problems collects findings as "Kind/name: message" errors.
type problems []error

func (p *problems) add(o Object, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s (%s): %s", o.ID(), o.Source, fmt.Sprintf(format, args...)))
}

// Check validates decoded objects one by one with the projects' own validation and then
// against each other. It returns every problem found, joined.
func Check(objs []Object, facts Facts) error {
	ix := &index{
		facts: facts, apps: map[string]app{}, services: map[string]*corev1.Service{},
		ksvcs: map[string]*servingv1.Service{}, components: map[string]*daprcomponents.Component{},
		scaledObjects: map[string]*kedav1alpha1.ScaledObject{}, triggerAuths: map[string]*kedav1alpha1.TriggerAuthentication{},
		kafkaSources: map[string]*kafkaapi.KafkaSource{}, kafkaSinks: map[string]*kafkaapi.KafkaSink{},
		kafkaTopics: map[string]*kafkaapi.KafkaTopic{}, routes: map[string]*gatewayv1.HTTPRoute{},
		jobs: map[string]Object{}, serviceAccount: map[string]bool{}, saPullSecrets: map[string]bool{},
	}
	var p problems
	seen := map[string]bool{}
	for _, o := range objs {
		key := o.APIVersion + "/" + o.ID()
		if seen[key] {
			p.add(o, "rendered twice")
		}
		seen[key] = true
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			if v.Spec.Template.Labels["app.kubernetes.io/component"] == "pooler" {
				ix.aux = append(ix.aux, app{obj: o, top: v.Annotations, meta: v.Spec.Template.Annotations, labels: v.Spec.Template.Labels, pod: &v.Spec.Template.Spec, replica: v.Spec.Replicas})
				continue
			}
			ix.apps[o.Name] = app{obj: o, top: v.Annotations, meta: v.Spec.Template.Annotations, labels: v.Spec.Template.Labels, pod: &v.Spec.Template.Spec, replica: v.Spec.Replicas}
		case *servingv1.Service:
			ix.ksvcs[o.Name] = v
			ix.apps[o.Name] = app{obj: o, knative: true, top: v.Annotations, meta: v.Spec.Template.Annotations, labels: v.Spec.Template.Labels, pod: &v.Spec.Template.Spec.PodSpec}
		case *corev1.Service:
			ix.services[o.Name] = v
		case *corev1.ServiceAccount:
			if o.hook() == "" {
				ix.serviceAccount[o.Name] = true
				ix.saPullSecrets[o.Name] = len(v.ImagePullSecrets) > 0
			}
		case *daprcomponents.Component:
			ix.components[o.Name] = v
		case *daprsubscriptions.Subscription:
			ix.subscriptions = append(ix.subscriptions, v)
		case *daprresiliency.Resiliency:
			ix.resiliencies = append(ix.resiliencies, v)
		case *kedav1alpha1.ScaledObject:
			ix.scaledObjects[o.Name] = v
		case *kedav1alpha1.TriggerAuthentication:
			ix.triggerAuths[o.Name] = v
		case *kafkaapi.KafkaSource:
			ix.kafkaSources[o.Name] = v
		case *kafkaapi.KafkaSink:
			ix.kafkaSinks[o.Name] = v
		case *kafkaapi.KafkaTopic:
			ix.kafkaTopics[o.Name] = v
		case *gatewayv1.HTTPRoute:
			ix.routes[o.Name] = v
		case *gatewayv1beta1.ReferenceGrant:
			ix.grants = append(ix.grants, v)
		case *batchv1.Job:
			ix.jobs[o.Name] = o
		}
	}
	appIDs := map[string]app{}
	for _, a := range ix.apps {
		if id := a.appID(); id != "" {
			if other, dup := appIDs[id]; dup {
				p.add(a.obj, "Dapr app id %q is also used by %s", id, other.obj.ID())
			}
			appIDs[id] = a
		}
	}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *servingv1.Service:
			ix.checkKnativeService(&p, o, v)
		case *appsv1.Deployment:
			if v.Spec.Template.Labels["app.kubernetes.io/component"] != "pooler" {
				ix.checkDeployment(&p, o, v)
			}
		case *corev1.Service:
			if v.Labels["app.kubernetes.io/component"] != "pooler" {
				ix.checkService(&p, o, v)
			}
		case *daprcomponents.Component:
			ix.checkComponent(&p, o, v, appIDs)
		case *daprsubscriptions.Subscription:
			ix.checkSubscription(&p, o, v, appIDs)
		case *daprresiliency.Resiliency:
			ix.checkResiliency(&p, o, v, appIDs)
		case *kedav1alpha1.ScaledObject:
			ix.checkScaledObject(&p, o, v)
		case *kedav1alpha1.TriggerAuthentication:
			if _, err := v.ValidateCreate(nil); err != nil {
				p.add(o, "KEDA rejects it: %v", err)
			}
		case *kafkaapi.KafkaSource:
			ix.checkKafkaSource(&p, o, v)
		case *kafkaapi.KafkaSink:
			if err := v.Validate(); err != nil {
				p.add(o, "%v", err)
			}
		case *kafkaapi.KafkaTopic:
			if n, ok := ix.facts.Partitions[v.Spec.TopicName]; !ok || int(v.Spec.Partitions) != n {
				p.add(o, "topic %q has %d partitions, the chart's kafka.topics says %d", v.Spec.TopicName, v.Spec.Partitions, n)
			}
		case *gatewayv1.HTTPRoute:
			ix.checkHTTPRoute(&p, o, v)
		case *batchv1.Job:
			ix.checkJob(&p, o, v)
		}
	}
	ix.checkPlatform(&p, objs)
	return errors.Join(p...)
}

// hook is the Helm hook annotation of an object, empty for an ordinary one.
func (o Object) hook() string {
	if m, ok := o.Value.(metav1.Object); ok {
		return m.GetAnnotations()["helm.sh/hook"]
	}
	return ""
}

func (ix *index) checkKnativeService(p *problems, o Object, s *servingv1.Service) {
	ctx := apis.WithinCreate(context.Background())
	// Knative's admission webhooks default before they validate; do the same on a copy.
	d := s.DeepCopy()
	d.SetDefaults(ctx)
	if err := d.Validate(ctx); err != nil {
		p.add(o, "Knative rejects it: %v", err)
	}
	ix.checkPod(p, ix.apps[o.Name])
	if s.Labels["networking.knative.dev/visibility"] != "cluster-local" {
		p.add(o, "no networking.knative.dev/visibility: cluster-local label: the function is public on Knative's own domain, bypassing the gateway")
	}
}

func (ix *index) checkDeployment(p *problems, o Object, d *appsv1.Deployment) {
	if d.Spec.Selector == nil {
		p.add(o, "no spec.selector")
	} else if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
		p.add(o, "spec.selector: %v", err)
	} else if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		p.add(o, "spec.selector does not match the pod template's labels")
	}
	a := ix.apps[o.Name]
	ix.checkPod(p, a)
	if onlyPort(a.pod) == 0 {
		return
	}
	for _, c := range a.pod.Containers {
		for _, e := range c.Env {
			if e.Name == "PORT" && e.Value != strconv.Itoa(int(onlyPort(a.pod))) {
				p.add(o, "container %s: PORT=%s but the container port is %d", c.Name, e.Value, onlyPort(a.pod))
			}
		}
	}
}

// onlyPort is the container port of a pod with one container and one port, else 0.
func onlyPort(pod *corev1.PodSpec) int32 {
	if len(pod.Containers) != 1 || len(pod.Containers[0].Ports) != 1 {
		return 0
	}
	return pod.Containers[0].Ports[0].ContainerPort
}

// checkPod holds the rules for every function pod: one container with one port that the
// probes and Dapr use, a non-root user, and Dapr ports clear of the ones already taken.
func (ix *index) checkPod(p *problems, a app) {
	o := a.obj
	for k := range a.top {
		if strings.HasPrefix(k, "dapr.io/") {
			// The injector reads pod annotations only: on the Service or Deployment itself they
			// are silently ignored and the pod runs without a sidecar.
			p.add(o, "annotation %s is on the %s, not on its pod template (spec.template.metadata.annotations), where Dapr's injector looks", k, o.Kind)
		}
	}
	if len(a.pod.Containers) != 1 {
		p.add(o, "%d containers; a function pod has exactly one (daprd is injected later)", len(a.pod.Containers))
		return
	}
	c := a.pod.Containers[0]
	if len(c.Ports) != 1 {
		p.add(o, "container %s declares %d ports; a function listens on exactly one", c.Name, len(c.Ports))
		return
	}
	port := c.Ports[0]
	for what, pr := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe} {
		if pr == nil || pr.HTTPGet == nil {
			p.add(o, "container %s has no HTTP %s", c.Name, what)
			continue
		}
		if !portMatches(pr.HTTPGet.Port, port, a.knative) {
			p.add(o, "container %s: %s probes port %s, not the container port %d", c.Name, what, pr.HTTPGet.Port.String(), port.ContainerPort)
		}
	}
	nonRoot := a.pod.SecurityContext != nil && a.pod.SecurityContext.RunAsNonRoot != nil && *a.pod.SecurityContext.RunAsNonRoot
	if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
		nonRoot = *c.SecurityContext.RunAsNonRoot
	}
	if !nonRoot {
		p.add(o, "container %s may run as root (set runAsNonRoot)", c.Name)
	}
	if !a.daprEnabled() {
		for k := range a.meta {
			if strings.HasPrefix(k, "dapr.io/") && k != "dapr.io/enabled" {
				p.add(o, "annotation %s without dapr.io/enabled: \"true\"", k)
			}
		}
		return
	}
	if a.meta["dapr.io/app-id"] == "" {
		p.add(o, "Dapr is enabled but dapr.io/app-id is empty")
	}
	if ap := a.meta["dapr.io/app-port"]; ap != strconv.Itoa(int(port.ContainerPort)) {
		p.add(o, "dapr.io/app-port is %q but the container listens on %d", ap, port.ContainerPort)
	}
	mp, err := strconv.Atoi(a.meta["dapr.io/metrics-port"])
	switch {
	case err != nil:
		p.add(o, "dapr.io/metrics-port %q: set it explicitly (Dapr's default 9090 is taken on Knative)", a.meta["dapr.io/metrics-port"])
	case mp == 9090:
		p.add(o, "dapr.io/metrics-port is 9090, the port of Knative's queue-proxy metrics (and of Prometheus defaults)")
	case a.knative && slices.Contains(knativeReservedPorts, mp):
		p.add(o, "dapr.io/metrics-port %d is reserved by Knative's queue-proxy", mp)
	case int32(mp) == port.ContainerPort:
		p.add(o, "dapr.io/metrics-port %d is the app's own port", mp)
	}
}

// portMatches reports whether a probe port names the container port. Knative lets a probe
// leave the port out (it means the container port).
func portMatches(pp intstr.IntOrString, cp corev1.ContainerPort, knative bool) bool {
	if pp.Type == intstr.String {
		return pp.StrVal != "" && pp.StrVal == cp.Name
	}
	return pp.IntVal == cp.ContainerPort || (knative && pp.IntVal == 0)
}

func (ix *index) checkService(p *problems, o Object, s *corev1.Service) {
	a, ok := ix.apps[o.Name]
	if !ok || a.knative {
		p.add(o, "selects no Deployment of the chart")
		return
	}
	if !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(a.labels)) || len(s.Spec.Selector) == 0 {
		p.add(o, "selector %v does not select the pods of Deployment/%s", s.Spec.Selector, o.Name)
	}
	for _, sp := range s.Spec.Ports {
		if !portMatches(sp.TargetPort, a.pod.Containers[0].Ports[0], false) {
			p.add(o, "port %d targets %s, not the container port", sp.Port, sp.TargetPort.String())
		}
	}
}

// componentMeta returns a Dapr component's metadata as plain strings, and which items are
// secret references.
func componentMeta(c *daprcomponents.Component) (map[string]string, map[string]bool) {
	vals, refs := map[string]string{}, map[string]bool{}
	for _, nv := range c.Spec.Metadata {
		if nv.SecretKeyRef.Name != "" {
			refs[nv.Name] = true
			continue
		}
		vals[nv.Name] = nv.Value.String()
	}
	return vals, refs
}

func (ix *index) checkComponent(p *problems, o Object, c *daprcomponents.Component, appIDs map[string]app) {
	if c.Spec.Version != "v1" {
		p.add(o, "spec.version %q: Taskline's components are v1", c.Spec.Version)
	}
	for _, s := range c.Scopes {
		if _, ok := appIDs[s]; !ok {
			p.add(o, "scope %q is not the app id of any Dapr-enabled workload", s)
		}
	}
	meta, refs := componentMeta(c)
	if err := checkComponentMetadata(c.Spec.Type, c.Spec.Metadata); err != nil {
		p.add(o, "%v", err)
	}
	if len(refs) > 0 && c.Auth.SecretStore != "" && c.Auth.SecretStore != "kubernetes" {
		if s, ok := ix.components[c.Auth.SecretStore]; !ok || !strings.HasPrefix(s.Spec.Type, "secretstores.") {
			p.add(o, "auth.secretStore %q is not a secret store component of the chart", c.Auth.SecretStore)
		}
	}
	switch c.Spec.Type {
	case "pubsub.kafka":
		for _, k := range []string{"brokers", "authType", "consumerGroup", "initialOffset", "maxMessageBytes"} {
			if meta[k] == "" && !refs[k] {
				p.add(o, "pubsub.kafka without %s", k)
			}
		}
		if n, err := strconv.Atoi(meta["maxMessageBytes"]); meta["maxMessageBytes"] != "" && (err != nil || n <= 0) {
			p.add(o, "maxMessageBytes %q is not a positive integer (a float from Helm, e.g. 1.048576e+06, breaks Dapr)", meta["maxMessageBytes"])
		}
		switch meta["authType"] {
		case "none", "mtls", "oidc", "awsiam", "":
		case "password":
			for _, k := range []string{"saslUsername", "saslPassword"} {
				if !refs[k] && meta[k] == "" {
					p.add(o, "authType password without %s", k)
				}
				if meta[k] != "" {
					p.add(o, "%s is written in the component; take it from the secret store", k)
				}
			}
		default:
			p.add(o, "authType %q is not one Dapr knows", meta["authType"])
		}
		if meta["disableTls"] != "true" && !refs["caCert"] && slices.ContainsFunc(splitList(meta["brokers"]), func(b string) bool {
			return strings.Contains(b, ".svc:") || strings.Contains(b, ".svc.cluster.local:")
		}) {
			p.add(o, "TLS to an in-cluster (Strimzi) Kafka without caCert: its listener certificate is signed by the cluster's own CA, so every handshake fails; set kafka.caCertKey (ca.crt in the Kafka secret)")
		}
		if meta["consumeRetryEnabled"] == "true" {
			p.add(o, "consumeRetryEnabled: true retries a failing message for ever and blocks its partition; leave retries to the Resiliency policy and the dead-letter topic")
		}
	case "bindings.cron":
		if len(c.Scopes) == 0 {
			p.add(o, "a cron binding without scopes fires in every app")
		}
		// The parser the cron binding itself builds (components-contrib bindings/cron).
		parser := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
		if _, err := parser.Parse(meta["schedule"]); err != nil {
			p.add(o, "schedule %q: %v", meta["schedule"], err)
		}
	}
}

func (ix *index) checkSubscription(p *problems, o Object, s *daprsubscriptions.Subscription, appIDs map[string]app) {
	sp := s.Spec
	if c, ok := ix.components[sp.Pubsubname]; !ok || !strings.HasPrefix(c.Spec.Type, "pubsub.") {
		p.add(o, "pubsubname %q is not a pubsub component of the chart", sp.Pubsubname)
	}
	if _, ok := ix.facts.Partitions[sp.Topic]; !ok {
		p.add(o, "topic %q is not one of the chart's topics", sp.Topic)
	}
	if sp.DeadLetterTopic == "" {
		p.add(o, "no deadLetterTopic: a message that keeps failing would be retried for ever")
	} else if _, ok := ix.facts.Partitions[sp.DeadLetterTopic]; !ok || sp.DeadLetterTopic == sp.Topic {
		p.add(o, "deadLetterTopic %q is not a separate topic of the chart", sp.DeadLetterTopic)
	}
	if !strings.HasPrefix(sp.Routes.Default, "/") {
		p.add(o, "routes.default %q is not a path", sp.Routes.Default)
	}
	if len(s.Scopes) == 0 {
		p.add(o, "no scopes: every Dapr app would subscribe")
	}
	for _, id := range s.Scopes {
		a, ok := appIDs[id]
		if !ok {
			p.add(o, "scope %q is not the app id of any Dapr-enabled workload", id)
			continue
		}
		if a.knative {
			p.add(o, "scope %q runs as a Knative Service: a Dapr subscriber there is not woken from zero (run it under KEDA)", id)
		}
	}
}

func (ix *index) checkResiliency(p *problems, o Object, r *daprresiliency.Resiliency, appIDs map[string]app) {
	pol := r.Spec.Policies
	for name, d := range pol.Timeouts {
		if _, err := time.ParseDuration(d); err != nil {
			p.add(o, "timeout %s: %q is not a duration", name, d)
		}
	}
	for name, rt := range pol.Retries {
		if rt.Policy != "constant" && rt.Policy != "exponential" {
			p.add(o, "retry %s: policy %q is neither constant nor exponential", name, rt.Policy)
		}
		for what, d := range map[string]string{"duration": rt.Duration, "maxInterval": rt.MaxInterval} {
			if d == "" {
				continue
			}
			if _, err := time.ParseDuration(d); err != nil {
				p.add(o, "retry %s: %s %q is not a duration", name, what, d)
			}
		}
		if rt.MaxRetries == nil || *rt.MaxRetries < 0 {
			p.add(o, "retry %s retries for ever (set maxRetries): a failing message would block its partition", name)
		}
	}
	for name, cb := range pol.CircuitBreakers {
		if cb.Trip == "" {
			p.add(o, "circuit breaker %s has no trip condition", name)
		}
		if _, err := time.ParseDuration(cb.Timeout); err != nil {
			p.add(o, "circuit breaker %s: timeout %q is not a duration", name, cb.Timeout)
		}
	}
	refs := func(where string, n daprresiliency.PolicyNames) {
		if n.Timeout != "" && pol.Timeouts[n.Timeout] == "" {
			p.add(o, "%s names timeout %q, which is not defined", where, n.Timeout)
		}
		if _, ok := pol.Retries[n.Retry]; n.Retry != "" && !ok {
			p.add(o, "%s names retry %q, which is not defined", where, n.Retry)
		}
		if _, ok := pol.CircuitBreakers[n.CircuitBreaker]; n.CircuitBreaker != "" && !ok {
			p.add(o, "%s names circuit breaker %q, which is not defined", where, n.CircuitBreaker)
		}
	}
	for comp, t := range r.Spec.Targets.Components {
		if _, ok := ix.components[comp]; !ok {
			p.add(o, "target component %q is not a component of the chart", comp)
		}
		refs("components."+comp+".inbound", t.Inbound)
		refs("components."+comp+".outbound", t.Outbound)
		if t.Inbound.CircuitBreaker != "" {
			p.add(o, "components.%s.inbound has a circuit breaker: while open, Dapr sends every delivered message to the dead-letter topic", comp)
		}
	}
	for _, id := range r.Scopes {
		if _, ok := appIDs[id]; !ok {
			p.add(o, "scope %q is not the app id of any Dapr-enabled workload", id)
		}
	}
}

func (ix *index) checkScaledObject(p *problems, o Object, so *kedav1alpha1.ScaledObject) {
	// KEDA's admission webhook runs these (the rest of it needs a live cluster).
	if err := kedav1alpha1.CheckReplicaCountBoundsAreValid(so); err != nil {
		p.add(o, "KEDA rejects it: %v", err)
	}
	if err := kedav1alpha1.CheckFallbackValid(so); err != nil {
		p.add(o, "KEDA rejects it: %v", err)
	}
	if err := kedav1alpha1.ValidateTriggers(so.Spec.Triggers); err != nil {
		p.add(o, "KEDA rejects it: %v", err)
	}
	if so.IsUsingModifiers() {
		if _, err := kedav1alpha1.ValidateAndCompileScalingModifiers(so); err != nil {
			p.add(o, "KEDA rejects it: %v", err)
		}
	}
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount != 0 {
		p.add(o, "minReplicaCount is not 0: the function never scales to zero")
	}
	ref := so.Spec.ScaleTargetRef
	if ref == nil {
		p.add(o, "no scaleTargetRef")
		return
	}
	a, ok := ix.apps[ref.Name]
	if !ok || a.knative || (ref.Kind != "" && ref.Kind != "Deployment") || (ref.APIVersion != "" && ref.APIVersion != "apps/v1") {
		p.add(o, "scaleTargetRef %s %s/%s is not a Deployment of the chart", ref.APIVersion, ref.Kind, ref.Name)
		return
	}
	if a.replica != nil {
		p.add(o, "Deployment/%s sets spec.replicas, which every helm upgrade resets under KEDA's feet", ref.Name)
	}
	maxR := so.GetHPAMaxReplicas()
	for i, t := range so.Spec.Triggers {
		if t.AuthenticationRef != nil && (t.AuthenticationRef.Kind == "" || t.AuthenticationRef.Kind == "TriggerAuthentication") {
			if _, ok := ix.triggerAuths[t.AuthenticationRef.Name]; !ok {
				p.add(o, "trigger %d: authenticationRef %q is not a TriggerAuthentication of the chart", i, t.AuthenticationRef.Name)
			}
		}
		var auth *kedav1alpha1.TriggerAuthentication
		if t.AuthenticationRef != nil {
			auth = ix.triggerAuths[t.AuthenticationRef.Name]
		}
		if err := parseTrigger(t, auth); err != nil {
			p.add(o, "trigger %d (%s): %v", i, t.Type, err)
			continue
		}
		if t.Type == "kafka" {
			ix.checkKafkaTrigger(p, o, a, t, maxR)
		}
	}
}

// checkKafkaTrigger holds the pitfalls of scaling a Dapr consumer with KEDA: the trigger must
// measure the group and topic the sidecar really consumes, on the same brokers, with the same
// idea of where a new group starts, and never ask for more consumers than partitions.
func (ix *index) checkKafkaTrigger(p *problems, o Object, a app, t kedav1alpha1.ScaleTriggers, maxReplicas int32) {
	md := t.Metadata
	topic := md["topic"]
	if topic == "" {
		p.add(o, "kafka trigger without topic: KEDA would sum the lag of every topic of the group")
	} else if n, ok := ix.facts.Partitions[topic]; !ok {
		p.add(o, "kafka trigger topic %q is not one of the chart's topics", topic)
	} else if int(maxReplicas) > n {
		p.add(o, "maxReplicaCount %d is above the %d partitions of %s: the extra consumers would sit idle", maxReplicas, n, topic)
	}
	id := a.appID()
	if id == "" {
		p.add(o, "scales Deployment/%s, which has no Dapr sidecar to consume", a.obj.Name)
		return
	}
	var subTopics []string
	var pubsubName string
	for _, s := range ix.subscriptions {
		if slices.Contains(s.Scopes, id) {
			subTopics = append(subTopics, s.Spec.Topic)
			pubsubName = s.Spec.Pubsubname
		}
	}
	if !slices.Contains(subTopics, topic) {
		p.add(o, "kafka trigger topic %q is not a topic app %s subscribes to (%v)", topic, id, subTopics)
	}
	comp, ok := ix.components[pubsubName]
	if !ok || comp.Spec.Type != "pubsub.kafka" {
		p.add(o, "app %s has no Kafka pubsub component to compare with", id)
		return
	}
	meta, _ := componentMeta(comp)
	group := strings.NewReplacer("{appID}", id, "{namespace}", ix.facts.Namespace).Replace(meta["consumerGroup"])
	if strings.Contains(group, "{") {
		p.add(o, "Dapr's consumerGroup %q depends on the pod (uuid, podName): KEDA cannot follow it", meta["consumerGroup"])
	} else if md["consumerGroup"] != group {
		p.add(o, "kafka trigger consumerGroup %q is not the group Dapr uses for app %s (%q): KEDA would watch a group nobody consumes", md["consumerGroup"], id, group)
	}
	if !sameSet(splitList(md["bootstrapServers"]), splitList(meta["brokers"])) {
		p.add(o, "kafka trigger bootstrapServers %q differ from the Dapr component's brokers %q", md["bootstrapServers"], meta["brokers"])
	}
	want := map[string]string{"oldest": "earliest", "newest": "latest", "": "latest"}[meta["initialOffset"]]
	got := md["offsetResetPolicy"]
	if got == "" {
		got = "latest" // KEDA's default
	}
	if got != want {
		p.add(o, "kafka trigger offsetResetPolicy %q disagrees with Dapr initialOffset %q (expected %q): a new group's lag is measured from a different place than it is read", got, meta["initialOffset"], want)
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return len(a) > 0 && slices.Equal(a, b)
}

func (ix *index) checkKafkaSource(p *problems, o Object, s *kafkaapi.KafkaSource) {
	if err := s.Validate(apis.WithinCreate(context.Background())); err != nil {
		p.add(o, "%v", err)
	}
	if ref := s.Spec.Sink.Ref; ref != nil {
		if _, ok := ix.ksvcs[ref.Name]; !ok || ref.Kind != "Service" || ref.APIVersion != "serving.knative.dev/v1" {
			p.add(o, "sink %s %s/%s is not a Knative Service of the chart", ref.APIVersion, ref.Kind, ref.Name)
		}
	}
	if d := s.Spec.Delivery; d == nil || d.DeadLetterSink == nil {
		p.add(o, "no delivery.deadLetterSink: events that keep failing are lost")
	} else if ref := d.DeadLetterSink.Ref; ref != nil {
		if _, ok := ix.kafkaSinks[ref.Name]; !ok || ref.Kind != "KafkaSink" {
			p.add(o, "deadLetterSink %s/%s is not a KafkaSink of the chart", ref.Kind, ref.Name)
		}
	}
	for _, t := range s.Spec.Topics {
		n, ok := ix.facts.Partitions[t]
		if !ok {
			p.add(o, "topic %q is not one of the chart's topics", t)
			continue
		}
		if s.Spec.Consumers != nil && int(*s.Spec.Consumers) > n {
			p.add(o, "consumers %d is above the %d partitions of %s", *s.Spec.Consumers, n, t)
		}
	}
	if s.Spec.ConsumerGroup == "" {
		p.add(o, "no consumerGroup: the group name would be generated and change on every re-create")
	}
}

func (ix *index) checkHTTPRoute(p *problems, o Object, r *gatewayv1.HTTPRoute) {
	reached := map[string]bool{}
	defer func() {
		// The whole API lives under the route's one host: every public HTTP function must be
		// a target of some rule.
		for name, s := range ix.services {
			if !reached[name] && s.Labels["app.kubernetes.io/component"] != "pooler" {
				p.add(o, "Service %s is not reachable through the route", s.Name)
			}
		}
		for name, k := range ix.ksvcs {
			if k.Labels["app.kubernetes.io/component"] != "event" && !reached[name] {
				p.add(o, "Knative Service %s is not reachable through the route", name)
			}
		}
	}()
	if len(r.Spec.Hostnames) != 1 {
		p.add(o, "serves %d hostnames; the API lives under one host", len(r.Spec.Hostnames))
	}
	if len(r.Spec.Rules) > 16 {
		p.add(o, "%d rules; Gateway API allows 16", len(r.Spec.Rules))
	}
	for i, rule := range r.Spec.Rules {
		for _, m := range rule.Matches {
			if m.Path != nil && m.Path.Type != nil && *m.Path.Type == gatewayv1.PathMatchRegularExpression {
				if _, err := regexp.Compile(*m.Path.Value); err != nil {
					p.add(o, "rule %d: path regex %q: %v", i, *m.Path.Value, err)
				}
			}
		}
		var rewrite string
		for _, f := range rule.Filters {
			if f.Type == gatewayv1.HTTPRouteFilterURLRewrite && f.URLRewrite != nil && f.URLRewrite.Hostname != nil {
				rewrite = string(*f.URLRewrite.Hostname)
			}
		}
		for _, b := range rule.BackendRefs {
			if b.Port == nil {
				p.add(o, "rule %d: backendRef %s without a port", i, b.Name)
			}
			ns := ix.facts.Namespace
			if b.Namespace != nil {
				ns = string(*b.Namespace)
			}
			if ns == ix.facts.Namespace {
				s, ok := ix.services[string(b.Name)]
				reached[string(b.Name)] = ok
				if !ok {
					p.add(o, "rule %d: backendRef %s is not a Service of the chart", i, b.Name)
				} else if b.Port != nil && !slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Port == int32(*b.Port) }) {
					p.add(o, "rule %d: Service %s has no port %d", i, b.Name, *b.Port)
				}
				continue
			}
			// Knative: the cluster-local gateway in another namespace, with the Host rewritten to
			// the Knative Service's cluster-local name.
			if ns+"/"+string(b.Name) != ix.facts.LocalGateway {
				p.add(o, "rule %d: backendRef %s/%s in another namespace is not Knative's cluster-local gateway %s (the one cross-namespace backend the platform grants)", i, ns, b.Name, ix.facts.LocalGateway)
			}
			name, ok := strings.CutSuffix(rewrite, "."+ix.facts.Namespace+".svc.cluster.local")
			_, exists := ix.ksvcs[name]
			reached[name] = reached[name] || (ok && exists)
			if !ok || !exists {
				p.add(o, "rule %d: goes to the Knative gateway but rewrites the host to %q, not to a Knative Service of the chart", i, rewrite)
			}
		}
	}
}

func (ix *index) checkJob(p *problems, o Object, j *batchv1.Job) {
	if o.hook() == "" {
		return
	}
	// A pre-install hook runs before the chart's ordinary objects exist.
	if sa := j.Spec.Template.Spec.ServiceAccountName; sa != "" && ix.serviceAccount[sa] {
		p.add(o, "hook uses ServiceAccount %q, which the chart creates only after pre-install hooks ran", sa)
	}
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever && j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		p.add(o, "restartPolicy %q is not allowed for a Job", j.Spec.Template.Spec.RestartPolicy)
	}
}
