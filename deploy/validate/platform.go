package validate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	daprcomponents "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	"github.com/dapr/dapr/pkg/injector/patcher"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"

	"github.com/taskline/taskline/deploy/validate/kafkaapi"
	"github.com/taskline/taskline/shared/server"
)

// DaprInjector is how the cluster's Dapr sidecar injector is installed: the settings that
// are injector-wide in Dapr 1.16 rather than pod annotations. deploy/README.md asks the
// platform team for exactly these (PlatformInjector).
type DaprInjector struct {
	// dapr_sidecar_injector.sidecarDropALLCapabilities (default false).
	DropALLCapabilities bool
	// dapr_sidecar_injector.sidecarRunAsNonRoot (default true).
	RunAsNonRoot bool
	// dapr_sidecar_injector.sidecarReadOnlyRootFilesystem (default true).
	ReadOnlyRootFilesystem bool
}

// PlatformInjector is the injector deploy/README.md requires.
var PlatformInjector = DaprInjector{DropALLCapabilities: true, RunAsNonRoot: true, ReadOnlyRootFilesystem: true}

// restricted is the Pod Security Standard every pod must meet, judged by the admission
// plugin's own policy code at the newest version it knows.
var restricted = psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}

var psaEvaluator = func() psapolicy.Evaluator {
	e, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		panic(err)
	}
	return e
}()

// injected is the pod as Dapr's injector (its own patcher code) would admit it: with daprd
// added according to the pod's annotations and the cluster's injector settings.
func injected(meta metav1.ObjectMeta, spec corev1.PodSpec, namespace string, inj DaprInjector) (*corev1.Pod, error) {
	pod := &corev1.Pod{ObjectMeta: *meta.DeepCopy(), Spec: *spec.DeepCopy()}
	pod.Namespace = namespace
	if pod.Annotations["dapr.io/enabled"] != "true" {
		return pod, nil
	}
	c := patcher.NewSidecarConfig(pod)
	c.Namespace = namespace
	c.RunAsNonRoot = inj.RunAsNonRoot
	c.ReadOnlyRootFilesystem = inj.ReadOnlyRootFilesystem
	c.SidecarDropALLCapabilities = inj.DropALLCapabilities
	c.SidecarImage = "ghcr.io/dapr/daprd:1.16.0"
	c.SetFromPodAnnotations()
	patch, err := c.GetPatch()
	if err != nil {
		return nil, fmt.Errorf("dapr's injector: %w", err)
	}
	return patcher.PatchPod(pod, patch)
}

// checkPodSecurity judges one pod (with its sidecar) by Pod Security "restricted".
func (ix *index) checkPodSecurity(p *problems, o Object, meta metav1.ObjectMeta, spec corev1.PodSpec) {
	pod, err := injected(meta, spec, ix.facts.Namespace, ix.facts.Injector)
	if err != nil {
		p.add(o, "%v", err)
		return
	}
	for _, r := range psaEvaluator.EvaluatePod(restricted, &pod.ObjectMeta, &pod.Spec) {
		if !r.Allowed {
			p.add(o, "Pod Security %q refuses the pod (daprd included): %s (%s)", restricted.Level, r.ForbiddenReason, r.ForbiddenDetail)
		}
	}
}

// standardLabels are Kubernetes' recommended labels plus Helm's chart label.
var standardLabels = []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
	"app.kubernetes.io/managed-by", "helm.sh/chart"}

func (ix *index) checkLabels(p *problems, o Object, what string, l map[string]string) {
	var missing []string
	for _, k := range standardLabels {
		if l[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		p.add(o, "%s lacks the standard labels %s", what, strings.Join(missing, ", "))
		return
	}
	if l["app.kubernetes.io/instance"] != ix.facts.Release {
		p.add(o, "%s: app.kubernetes.io/instance is %q, not the release %q", what, l["app.kubernetes.io/instance"], ix.facts.Release)
	}
	if l["app.kubernetes.io/managed-by"] != "Helm" {
		p.add(o, "%s: app.kubernetes.io/managed-by is %q, not Helm", what, l["app.kubernetes.io/managed-by"])
	}
}

// checkPlatform holds the rules a platform team's review applies to the whole release:
// namespaces, labels, Pod Security, identities, network policies, secrets and budgets.
func (ix *index) checkPlatform(p *problems, objs []Object) {
	var policies []*networkingv1.NetworkPolicy
	roles := map[string]Object{}
	for _, o := range objs {
		m, ok := o.Value.(metav1.Object)
		if !ok {
			continue
		}
		ix.checkLabels(p, o, "the object", m.GetLabels())
		ns := m.GetNamespace()
		switch v := o.Value.(type) {
		case *gatewayv1beta1.ReferenceGrant:
			p.add(o, "a ReferenceGrant lives in the target's namespace (%s): a namespace-scoped deploy credential gets \"forbidden\" and --atomic rolls the release back; the platform team creates it", v.Namespace)
			continue
		case *kafkaapi.KafkaTopic:
			want := ix.facts.StrimziNamespace
			if ns == "" {
				ns = ix.facts.Namespace
			}
			if want != "" && ns != want {
				p.add(o, "KafkaTopic in namespace %q: Strimzi's Topic Operator watches only %q, so the topic would be auto-created with 1 partition or not at all", ns, want)
			}
			continue
		case *networkingv1.NetworkPolicy:
			policies = append(policies, v)
		case *rbacv1.Role:
			roles[o.Name] = o
		case *batchv1.Job:
			ix.checkLabels(p, o, "the pod template", v.Spec.Template.Labels)
			ix.checkPodSecurity(p, o, v.Spec.Template.ObjectMeta, v.Spec.Template.Spec)
		case *daprcomponents.Component:
			if len(v.Scopes) == 0 {
				p.add(o, "a Dapr component without scopes is loaded by every app in the namespace (and hands each its credentials)")
			}
		}
		if ns != "" && ns != ix.facts.Namespace {
			p.add(o, "rendered into namespace %q, outside the release namespace %q", ns, ix.facts.Namespace)
		}
	}
	for name, o := range roles {
		p.add(o, "Role %s: no pod of the chart mounts a ServiceAccount token, so nothing uses it", name)
	}
	accounts := map[string]string{}
	var all []app
	for _, name := range slices.Sorted(maps.Keys(ix.apps)) {
		all = append(all, ix.apps[name])
	}
	for _, a := range append(all, ix.aux...) {
		name, o := a.obj.Name, a.obj
		ix.checkLabels(p, o, "the pod template", a.labels)
		ix.checkPodSecurity(p, o, metav1.ObjectMeta{Name: name, Labels: a.labels, Annotations: a.meta}, *a.pod)
		sa := a.pod.ServiceAccountName
		if sa == "" || sa == "default" {
			p.add(o, "runs as the namespace's default ServiceAccount; each function has its own")
		} else if other, dup := accounts[sa]; dup {
			p.add(o, "shares ServiceAccount %s with %s; each function has its own", sa, other)
		} else if !ix.serviceAccount[sa] {
			p.add(o, "ServiceAccount %s is not one the chart creates", sa)
		}
		accounts[sa] = o.ID()
		if a.pod.AutomountServiceAccountToken == nil || *a.pod.AutomountServiceAccountToken {
			p.add(o, "mounts a Kubernetes API token (set automountServiceAccountToken: false): no function calls the API")
		}
		if a.labels["app.kubernetes.io/component"] != "pooler" {
			ix.checkRuntime(p, a)
		}
		ix.checkPullSecrets(p, a)
		ix.checkEgress(p, a, policies)
	}
	if !slices.ContainsFunc(policies, isDefaultDeny) {
		p.add(Object{Kind: "NetworkPolicy", Name: "(none)", Manifest: Manifest{Source: "the chart"}}, "no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)")
	}
	ix.checkKEDACredential(p)
	ix.checkConnectionBudget(p)
	ix.checkMailerWakes(p)
}

// checkRuntime holds the shutdown, probing and roll-out rules of a function pod.
func (ix *index) checkRuntime(p *problems, a app) {
	o := a.obj
	c := a.pod.Containers[0]
	if a.knative && c.ReadinessProbe != nil && c.ReadinessProbe.PeriodSeconds != 0 {
		p.add(o, "readinessProbe.periodSeconds %d turns off Knative's aggressive start-up probing: every cold start waits for a probe period", c.ReadinessProbe.PeriodSeconds)
	}
	if !a.daprEnabled() {
		return
	}
	drain := int(server.ShutdownTimeout.Seconds())
	gs, err := strconv.Atoi(a.meta["dapr.io/graceful-shutdown-seconds"])
	switch {
	case err != nil:
		p.add(o, "dapr.io/graceful-shutdown-seconds is not set: daprd stops after 5 s while the app drains for %d s (its last publishes and acknowledgements fail)", drain)
	case gs < drain:
		p.add(o, "dapr.io/graceful-shutdown-seconds %d is shorter than the app's %d s drain", gs, drain)
	case !a.knative:
		grace := int64(30)
		if a.pod.TerminationGracePeriodSeconds != nil {
			grace = *a.pod.TerminationGracePeriodSeconds
		}
		if int64(gs) >= grace {
			p.add(o, "terminationGracePeriodSeconds %d does not leave daprd its %d s graceful shutdown", grace, gs)
		}
	}
	// Dapr 1.16's injector puts the token Secrets into daprd only: the app container must
	// read the same ones, or every call to daprd is refused (DAPR_API_TOKEN) and the app
	// cannot tell daprd's deliveries from anyone's (APP_API_TOKEN).
	for ann, env := range map[string]string{"dapr.io/api-token-secret": "DAPR_API_TOKEN", "dapr.io/app-token-secret": "APP_API_TOKEN"} {
		secret := a.meta[ann]
		if secret == "" {
			p.add(o, "no %s: %s is off between the app and daprd", ann, env)
			continue
		}
		e, ok := envValue(c, env)
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != secret || e.ValueFrom.SecretKeyRef.Key != "token" {
			p.add(o, "%s names Secret %s, but the app container does not read %s from it (key token): the injector sets it in daprd only", ann, secret, env)
		}
	}
	if a.meta["checksum/dapr"] == "" {
		p.add(o, "no checksum/dapr annotation on the pod template: daprd reads components only at start, so a changed component never reaches running pods")
	}
}

// checkPullSecrets: GHCR packages are private by default.
func (ix *index) checkPullSecrets(p *problems, a app) {
	for _, c := range a.pod.Containers {
		if !strings.HasPrefix(c.Image, "ghcr.io/") || c.ImagePullPolicy == corev1.PullNever {
			continue
		}
		if len(a.pod.ImagePullSecrets) == 0 && !ix.saPullSecrets[a.pod.ServiceAccountName] {
			p.add(a.obj, "pulls %s from GHCR (private by default) without imagePullSecrets", c.Image)
		}
	}
}

func isDefaultDeny(np *networkingv1.NetworkPolicy) bool {
	s := np.Spec
	return len(s.PodSelector.MatchLabels) == 0 && len(s.PodSelector.MatchExpressions) == 0 &&
		slices.Contains(s.PolicyTypes, networkingv1.PolicyTypeIngress) && slices.Contains(s.PolicyTypes, networkingv1.PolicyTypeEgress) &&
		len(s.Ingress) == 0 && len(s.Egress) == 0
}

func selects(np *networkingv1.NetworkPolicy, podLabels map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	return err == nil && sel.Matches(labels.Set(podLabels))
}

// egressAllows reports whether some policy selecting the pod allows egress on port (TCP or
// UDP) to a peer that satisfies peerOK (nil: any peer).
func egressAllows(policies []*networkingv1.NetworkPolicy, podLabels map[string]string, port int, proto corev1.Protocol, peerOK func(networkingv1.NetworkPolicyPeer) bool) bool {
	for _, np := range policies {
		if !selects(np, podLabels) {
			continue
		}
		for _, r := range np.Spec.Egress {
			portOK := len(r.Ports) == 0
			for _, pp := range r.Ports {
				pr := corev1.ProtocolTCP
				if pp.Protocol != nil {
					pr = *pp.Protocol
				}
				if pr == proto && (pp.Port == nil || pp.Port.IntValue() == port) {
					portOK = true
				}
			}
			if !portOK {
				continue
			}
			if len(r.To) == 0 {
				if peerOK == nil {
					return true
				}
				continue
			}
			for _, peer := range r.To {
				if peerOK == nil || peerOK(peer) {
					return true
				}
			}
		}
	}
	return false
}

func inNamespace(ns string) func(networkingv1.NetworkPolicyPeer) bool {
	return func(peer networkingv1.NetworkPolicyPeer) bool {
		return peer.NamespaceSelector != nil && peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == ns
	}
}

var brokerPort = regexp.MustCompile(`:(\d+)$`)

// checkEgress: under default deny, each pod must still reach what it uses.
func (ix *index) checkEgress(p *problems, a app, policies []*networkingv1.NetworkPolicy) {
	if len(policies) == 0 {
		return // reported once: no default deny
	}
	o := a.obj
	if !egressAllows(policies, a.labels, 53, corev1.ProtocolUDP, nil) {
		p.add(o, "no NetworkPolicy allows its DNS lookups (UDP 53)")
	}
	c := a.pod.Containers[0]
	if hasEnv(c, "DATABASE_URL") && !egressAllows(policies, a.labels, ix.facts.PostgresPort, corev1.ProtocolTCP, nil) {
		p.add(o, "no NetworkPolicy allows egress to Postgres (port %d)", ix.facts.PostgresPort)
	}
	if !a.daprEnabled() {
		return
	}
	if !egressAllows(policies, a.labels, 50001, corev1.ProtocolTCP, inNamespace(ix.facts.DaprNamespace)) ||
		!egressAllows(policies, a.labels, 6500, corev1.ProtocolTCP, inNamespace(ix.facts.DaprNamespace)) {
		p.add(o, "no NetworkPolicy lets daprd reach Dapr's control plane in %s (sentry 50001, operator 6500): the sidecar never becomes ready", ix.facts.DaprNamespace)
	}
	if comp, ok := ix.components[ix.facts.PubsubName]; ok {
		meta, _ := componentMeta(comp)
		for _, b := range splitList(meta["brokers"]) {
			if m := brokerPort.FindStringSubmatch(b); m != nil {
				n, _ := strconv.Atoi(m[1])
				if !egressAllows(policies, a.labels, n, corev1.ProtocolTCP, nil) {
					p.add(o, "no NetworkPolicy allows egress to the Kafka broker %s", b)
				}
			}
		}
	}
}

func hasEnv(c corev1.Container, name string) bool {
	return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
}

func envValue(c corev1.Container, name string) (corev1.EnvVar, bool) {
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
	if i < 0 {
		return corev1.EnvVar{}, false
	}
	return c.Env[i], true
}

// checkKEDACredential: KEDA's postgresql trigger must not hold the app's read-write login.
func (ix *index) checkKEDACredential(p *problems) {
	app := map[string]bool{}
	for _, a := range ix.apps {
		if e, ok := envValue(a.pod.Containers[0], "DATABASE_URL"); ok && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			app[e.ValueFrom.SecretKeyRef.Name+"/"+e.ValueFrom.SecretKeyRef.Key] = true
		}
	}
	for name, so := range ix.scaledObjects {
		for _, t := range so.Spec.Triggers {
			if t.Type != "postgresql" || t.AuthenticationRef == nil {
				continue
			}
			ta, ok := ix.triggerAuths[t.AuthenticationRef.Name]
			if !ok {
				continue
			}
			for _, ref := range ta.Spec.SecretTargetRef {
				if ref.Parameter == "connection" && app[ref.Name+"/"+ref.Key] {
					p.add(Object{Kind: "TriggerAuthentication", Name: ta.Name, Manifest: Manifest{Source: "ScaledObject/" + name}},
						"KEDA connects with the app's read-write credential %s/%s; give it the SELECT-only role (deploy/sql/keda-role.sql)", ref.Name, ref.Key)
				}
			}
		}
	}
}

// maxPods is the most pods a workload can run at once.
func (ix *index) maxPods(a app) int {
	if a.knative {
		n, err := strconv.Atoi(a.meta["autoscaling.knative.dev/max-scale"])
		if err != nil || n <= 0 {
			return -1 // unbounded
		}
		return n
	}
	for _, so := range ix.scaledObjects {
		if so.Spec.ScaleTargetRef != nil && so.Spec.ScaleTargetRef.Name == a.obj.Name {
			return int(so.GetHPAMaxReplicas())
		}
	}
	if a.replica != nil {
		return int(*a.replica)
	}
	return 1
}

// checkConnectionBudget: every pod at its max scale with a full pool fits in what the
// database (or PgBouncer) accepts.
func (ix *index) checkConnectionBudget(p *problems) {
	if ix.facts.ConnectionBudget <= 0 {
		return
	}
	total := 0
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(ix.apps)) {
		a := ix.apps[name]
		c := a.pod.Containers[0]
		if !hasEnv(c, "DATABASE_URL") || name == "pgbouncer" {
			continue
		}
		e, _ := envValue(c, "DATABASE_POOL_MAX_CONNS")
		size, err := strconv.Atoi(e.Value)
		if err != nil || size <= 0 {
			p.add(a.obj, "no DATABASE_POOL_MAX_CONNS: pgx's default pool (4 or the CPU count) times the max scale is unbounded by the connection budget")
			continue
		}
		n := ix.maxPods(a)
		if n < 0 {
			p.add(a.obj, "no max scale: its connections are unbounded")
			continue
		}
		total += n * size
		parts = append(parts, fmt.Sprintf("%s %d×%d", name, n, size))
	}
	if total > ix.facts.ConnectionBudget {
		p.add(Object{Kind: "Release", Name: ix.facts.Release, Manifest: Manifest{Source: "the chart"}},
			"at max scale the pools open %d connections (%s), above the budget of %d", total, strings.Join(parts, ", "), ix.facts.ConnectionBudget)
	}
}

// checkMailerWakes: the consumer of reminder emails must wake when reminders come due, not
// one KEDA poll after tick-reminders published them.
func (ix *index) checkMailerWakes(p *problems) {
	tick, ok := ix.scaledObjects["tick-reminders"]
	if !ok {
		return
	}
	var due string
	for _, t := range tick.Spec.Triggers {
		if t.Type == "postgresql" {
			due = t.Metadata["query"]
		}
	}
	for name, a := range ix.apps {
		if !hasEnv(a.pod.Containers[0], "SMTP_URL") || a.knative {
			continue
		}
		so, ok := ix.scaledObjects[name]
		if !ok {
			continue
		}
		if so.Spec.MinReplicaCount != nil && *so.Spec.MinReplicaCount > 0 {
			continue
		}
		if !slices.ContainsFunc(so.Spec.Triggers, func(t kedav1alpha1.ScaleTriggers) bool {
			q := t.Metadata["query"]
			return t.Type == "postgresql" && q != "" && strings.Contains(due, q)
		}) {
			p.add(a.obj, "wakes only on Kafka lag: after idle a reminder waits for two KEDA polls and two cold starts in series; add tick-reminders' due-soon query as a trigger (or keep one replica warm)")
		}
	}
}

// RequiredSecrets lists the Secrets (and their keys) the rendered objects read, which the
// platform team must create before the install: env references that are not optional,
// Dapr components, KEDA TriggerAuthentications, Knative Kafka objects, pull secrets and the
// Dapr API token annotations.
func RequiredSecrets(objs []Object) map[string][]string {
	keys := map[string]map[string]bool{}
	add := func(name, key string) {
		if name == "" {
			return
		}
		if keys[name] == nil {
			keys[name] = map[string]bool{}
		}
		if key != "" {
			keys[name][key] = true
		}
	}
	pod := func(meta map[string]string, spec *corev1.PodSpec) {
		for _, ps := range spec.ImagePullSecrets {
			add(ps.Name, ".dockerconfigjson")
		}
		for _, c := range spec.Containers {
			for _, e := range c.Env {
				if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && (r.SecretKeyRef.Optional == nil || !*r.SecretKeyRef.Optional) {
					add(r.SecretKeyRef.Name, r.SecretKeyRef.Key)
				}
			}
		}
		if meta["dapr.io/enabled"] == "true" {
			add(meta["dapr.io/api-token-secret"], "token")
			add(meta["dapr.io/app-token-secret"], "token")
		}
	}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			pod(v.Spec.Template.Annotations, &v.Spec.Template.Spec)
		case *servingv1.Service:
			pod(v.Spec.Template.Annotations, &v.Spec.Template.Spec.PodSpec)
		case *batchv1.Job:
			pod(v.Spec.Template.Annotations, &v.Spec.Template.Spec)
		case *daprcomponents.Component:
			for _, m := range v.Spec.Metadata {
				add(m.SecretKeyRef.Name, m.SecretKeyRef.Key)
			}
		case *kedav1alpha1.TriggerAuthentication:
			for _, r := range v.Spec.SecretTargetRef {
				add(r.Name, r.Key)
			}
		case *kafkaapi.KafkaSource:
			if n := v.Spec.Net.SASL.User.SecretKeyRef; n != nil {
				add(n.Name, n.Key)
			}
			if n := v.Spec.Net.SASL.Password.SecretKeyRef; n != nil {
				add(n.Name, n.Key)
			}
			if n := v.Spec.Net.SASL.Type.SecretKeyRef; n != nil {
				add(n.Name, n.Key)
			}
			if n := v.Spec.Net.TLS.CACert.SecretKeyRef; n != nil {
				add(n.Name, n.Key)
			}
		}
	}
	out := map[string][]string{}
	for name, ks := range keys {
		out[name] = slices.Sorted(maps.Keys(ks))
	}
	return out
}
