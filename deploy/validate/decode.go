package validate

import (
	"encoding/json"
	"errors"
	"fmt"

	daprcomponents "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	daprconfiguration "github.com/dapr/dapr/pkg/apis/configuration/v1alpha1"
	daprresiliency "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
	daprsubscriptions "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	gatewayv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/taskline/taskline/deploy/validate/kafkaapi"
)

// Object is one decoded manifest: its identity and the typed value.
type Object struct {
	Manifest
	APIVersion string
	Kind       string
	Name       string
	// Value is a pointer to the real API type, e.g. *servingv1.Service.
	Value any
}

// ID names the object in messages: "Kind/name".
func (o Object) ID() string { return o.Kind + "/" + o.Name }

// kinds maps apiVersion/kind to a constructor of its Go type. A manifest of any other kind
// is an error: every object the chart renders must be checked.
var kinds = map[string]func() any{
	"v1/Service":                                       func() any { return &corev1.Service{} },
	"v1/ConfigMap":                                     func() any { return &corev1.ConfigMap{} },
	"dapr.io/v1alpha1/Configuration":                   func() any { return &daprconfiguration.Configuration{} },
	"monitoring.coreos.com/v1/PodMonitor":              func() any { return &monitoringv1.PodMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule":          func() any { return &monitoringv1.PrometheusRule{} },
	"v1/ServiceAccount":                                func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                               func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                                     func() any { return &batchv1.Job{} },
	"rbac.authorization.k8s.io/v1/Role":                func() any { return &rbacv1.Role{} },
	"networking.k8s.io/v1/NetworkPolicy":               func() any { return &networkingv1.NetworkPolicy{} },
	"rbac.authorization.k8s.io/v1/RoleBinding":         func() any { return &rbacv1.RoleBinding{} },
	"serving.knative.dev/v1/Service":                   func() any { return &servingv1.Service{} },
	"keda.sh/v1alpha1/ScaledObject":                    func() any { return &kedav1alpha1.ScaledObject{} },
	"keda.sh/v1alpha1/TriggerAuthentication":           func() any { return &kedav1alpha1.TriggerAuthentication{} },
	"dapr.io/v1alpha1/Component":                       func() any { return &daprcomponents.Component{} },
	"dapr.io/v2alpha1/Subscription":                    func() any { return &daprsubscriptions.Subscription{} },
	"dapr.io/v1alpha1/Resiliency":                      func() any { return &daprresiliency.Resiliency{} },
	"gateway.networking.k8s.io/v1/HTTPRoute":           func() any { return &gatewayv1.HTTPRoute{} },
	"gateway.networking.k8s.io/v1/Gateway":             func() any { return &gatewayv1.Gateway{} },
	"gateway.networking.k8s.io/v1beta1/ReferenceGrant": func() any { return &gatewayv1beta1.ReferenceGrant{} },
	"sources.knative.dev/v1/KafkaSource":               func() any { return &kafkaapi.KafkaSource{} },
	"eventing.knative.dev/v1alpha1/KafkaSink":          func() any { return &kafkaapi.KafkaSink{} },
	"kafka.strimzi.io/v1beta2/KafkaTopic":              func() any { return &kafkaapi.KafkaTopic{} },
}

// Decode decodes one manifest strictly: duplicate keys, unknown fields and fields whose case
// differs from the API (all of which an API server drops or rejects) are errors.
func Decode(m Manifest) (Object, error) {
	js, err := yaml.YAMLToJSONStrict([]byte(m.YAML))
	if err != nil {
		return Object{}, fmt.Errorf("%s: parsing YAML: %w", m.Source, err)
	}
	var head struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return Object{}, fmt.Errorf("%s: reading apiVersion and kind: %w", m.Source, err)
	}
	o := Object{Manifest: m, APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name}
	newValue, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return o, fmt.Errorf("%s: %s %q: unknown apiVersion/kind %s/%s", m.Source, head.Kind, o.Name, head.APIVersion, head.Kind)
	}
	v := newValue()
	strict, err := sigsjson.UnmarshalStrict(js, v)
	if err != nil {
		return o, fmt.Errorf("%s: decoding %s: %w", m.Source, o.ID(), err)
	}
	if len(strict) > 0 {
		return o, fmt.Errorf("%s: decoding %s strictly: %w", m.Source, o.ID(), errors.Join(strict...))
	}
	if o.Name == "" {
		return o, fmt.Errorf("%s: %s without metadata.name", m.Source, head.Kind)
	}
	o.Value = v
	return o, nil
}

// DecodeAll decodes every manifest and reports every failure, not just the first.
func DecodeAll(ms []Manifest) ([]Object, error) {
	var objs []Object
	var errs []error
	for _, m := range ms {
		o, err := Decode(m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errors.Join(errs...)
}
