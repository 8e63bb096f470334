// Package kafkaapi holds the Kubernetes types of the Kafka resources the chart renders whose
// Go modules are not available to this build: Knative's KafkaSource and KafkaSink
// (knative.dev/eventing-kafka-broker, not served by the module proxy we use) and Strimzi's
// KafkaTopic (a Java project). The fields and JSON names mirror the upstream definitions
// (eventing-kafka-broker control-plane/pkg/apis/sources/v1 and eventing/v1alpha1 at
// knative-v1.19, Strimzi api v1beta2) so that strict decoding rejects a misspelt field here
// exactly as the API server would; the shared parts (sink, delivery) are the real Knative
// duck types with their own validation.
package kafkaapi

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// KafkaSource is sources.knative.dev/v1 KafkaSource.
type KafkaSource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              KafkaSourceSpec `json:"spec,omitempty"`
}

// KafkaSourceSpec mirrors the upstream spec (KafkaAuthSpec and SourceSpec are inlined there).
type KafkaSourceSpec struct {
	Consumers         *int32                       `json:"consumers,omitempty"`
	BootstrapServers  []string                     `json:"bootstrapServers"`
	Net               KafkaNetSpec                 `json:"net,omitempty"`
	Topics            []string                     `json:"topics"`
	ConsumerGroup     string                       `json:"consumerGroup,omitempty"`
	InitialOffset     string                       `json:"initialOffset,omitempty"`
	Delivery          *eventingduckv1.DeliverySpec `json:"delivery,omitempty"`
	Ordering          *string                      `json:"ordering,omitempty"`
	duckv1.SourceSpec `json:",inline"`
}

// KafkaNetSpec is the SASL and TLS configuration.
type KafkaNetSpec struct {
	SASL KafkaSASLSpec `json:"sasl,omitempty"`
	TLS  KafkaTLSSpec  `json:"tls,omitempty"`
}

// KafkaSASLSpec selects SASL and where its user, password and mechanism come from.
type KafkaSASLSpec struct {
	Enable        bool                  `json:"enable,omitempty"`
	User          SecretValueFromSource `json:"user,omitempty"`
	Password      SecretValueFromSource `json:"password,omitempty"`
	RoleARN       SecretValueFromSource `json:"roleARN,omitempty"`
	TokenProvider SecretValueFromSource `json:"tokenProvider,omitempty"`
	Type          SecretValueFromSource `json:"type,omitempty"`
}

// KafkaTLSSpec selects TLS and its certificates.
type KafkaTLSSpec struct {
	Enable bool                  `json:"enable,omitempty"`
	Cert   SecretValueFromSource `json:"cert,omitempty"`
	Key    SecretValueFromSource `json:"key,omitempty"`
	CACert SecretValueFromSource `json:"caCert,omitempty"`
}

// SecretValueFromSource points at one key of a Secret.
type SecretValueFromSource struct {
	SecretKeyRef *corev1.SecretKeySelector `json:"secretKeyRef,omitempty"`
}

// Validate applies the upstream webhook's rules (KafkaSourceSpec.Validate after its
// defaulting of initialOffset to latest and ordering to ordered), plus SASL completeness.
func (s *KafkaSource) Validate(ctx context.Context) *apis.FieldError {
	var errs *apis.FieldError
	sp := s.Spec
	errs = errs.Also(sp.SourceSpec.Validate(ctx).ViaField("spec"))
	if len(sp.BootstrapServers) == 0 {
		errs = errs.Also(apis.ErrMissingField("spec.bootstrapServers"))
	}
	if len(sp.Topics) == 0 {
		errs = errs.Also(apis.ErrMissingField("spec.topics"))
	}
	switch sp.InitialOffset {
	case "", "earliest", "latest":
	default:
		errs = errs.Also(apis.ErrInvalidValue(sp.InitialOffset, "spec.initialOffset"))
	}
	if sp.Ordering != nil && *sp.Ordering != "ordered" && *sp.Ordering != "unordered" {
		errs = errs.Also(apis.ErrInvalidValue(*sp.Ordering, "spec.ordering"))
	}
	if sp.Consumers != nil && *sp.Consumers < 1 {
		errs = errs.Also(apis.ErrInvalidValue(*sp.Consumers, "spec.consumers"))
	}
	if sp.Net.SASL.Enable {
		for name, v := range map[string]SecretValueFromSource{"user": sp.Net.SASL.User, "password": sp.Net.SASL.Password, "type": sp.Net.SASL.Type} {
			if v.SecretKeyRef == nil {
				errs = errs.Also(apis.ErrMissingField("spec.net.sasl." + name + ".secretKeyRef"))
			}
		}
	}
	if sp.Delivery != nil {
		errs = errs.Also(sp.Delivery.Validate(ctx).ViaField("spec.delivery"))
	}
	return errs
}

// KafkaSink is eventing.knative.dev/v1alpha1 KafkaSink.
type KafkaSink struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              KafkaSinkSpec `json:"spec,omitempty"`
}

// KafkaSinkSpec mirrors the upstream spec.
type KafkaSinkSpec struct {
	Topic             string    `json:"topic"`
	NumPartitions     *int32    `json:"numPartitions,omitempty"`
	ReplicationFactor *int16    `json:"replicationFactor,omitempty"`
	BootstrapServers  []string  `json:"bootstrapServers"`
	ContentMode       *string   `json:"contentMode,omitempty"`
	Auth              *SinkAuth `json:"auth,omitempty"`
}

// SinkAuth names the Secret with the Kafka credentials.
type SinkAuth struct {
	Secret *SinkSecret `json:"secret,omitempty"`
}

// SinkSecret references a Secret by name.
type SinkSecret struct {
	Ref *SecretReference `json:"ref,omitempty"`
}

// SecretReference is a Secret name in the sink's namespace.
type SecretReference struct {
	Name string `json:"name"`
}

// Validate applies the upstream webhook's rules.
func (s *KafkaSink) Validate() error {
	if s.Spec.Topic == "" {
		return fmt.Errorf("spec.topic: missing field")
	}
	if len(s.Spec.BootstrapServers) == 0 {
		return fmt.Errorf("spec.bootstrapServers: missing field")
	}
	if m := s.Spec.ContentMode; m != nil && *m != "structured" && *m != "binary" {
		return fmt.Errorf("spec.contentMode: invalid value %q", *m)
	}
	return nil
}

// KafkaTopic is kafka.strimzi.io/v1beta2 KafkaTopic.
type KafkaTopic struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              KafkaTopicSpec `json:"spec,omitempty"`
}

// KafkaTopicSpec mirrors Strimzi's spec.
type KafkaTopicSpec struct {
	TopicName  string            `json:"topicName,omitempty"`
	Partitions int32             `json:"partitions,omitempty"`
	Replicas   int32             `json:"replicas,omitempty"`
	Config     map[string]string `json:"config,omitempty"`
}
