package validate

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/scalers/scalersconfig"
)

// The trigger metadata of the two scalers Taskline uses. The struct tags are copied from
// KEDA v2.21.0 (pkg/scalers/kafka_scaler.go kafkaMetadata, postgresql_scaler.go
// postgreSQLMetadata): KEDA's own parser (scalersconfig.TypedConfig) reads them here the way
// the operator does, with its defaults, enums and required fields. The scalers package
// itself is not imported: it links every cloud SDK KEDA supports.
type kafkaTrigger struct {
	BootstrapServers []string `keda:"name=bootstrapServers,order=triggerMetadata;resolvedEnv"`
	ConsumerGroup    string   `keda:"name=consumerGroup,order=triggerMetadata;resolvedEnv"`
	Topic            string   `keda:"name=topic,order=triggerMetadata;resolvedEnv,optional"`

	PartitionLimitationStr string `keda:"name=partitionLimitation,order=triggerMetadata,optional"`

	LagThreshold           int64 `keda:"name=lagThreshold,order=triggerMetadata,default=10"`
	ActivationLagThreshold int64 `keda:"name=activationLagThreshold,order=triggerMetadata,default=0"`

	OffsetResetPolicy                  string `keda:"name=offsetResetPolicy,order=triggerMetadata,default=latest,enum=latest;earliest"`
	AllowIdleConsumers                 bool   `keda:"name=allowIdleConsumers,order=triggerMetadata,default=false"`
	ExcludePersistentLag               bool   `keda:"name=excludePersistentLag,order=triggerMetadata,default=false"`
	ScaleToZeroOnInvalidOffset         bool   `keda:"name=scaleToZeroOnInvalidOffset,order=triggerMetadata,default=false"`
	LimitToPartitionsWithLag           bool   `keda:"name=limitToPartitionsWithLag,order=triggerMetadata,default=false"`
	EnsureEvenDistributionOfPartitions bool   `keda:"name=ensureEvenDistributionOfPartitions,order=triggerMetadata,default=false"`
	FullMetadata                       bool   `keda:"name=fullMetadata,order=triggerMetadata,default=true"`

	VersionStr string `keda:"name=version,order=triggerMetadata,optional"`

	TLS         string `keda:"name=tls,order=triggerMetadata;authParams,default=disable,enum=enable;disable"`
	UnsafeSsl   bool   `keda:"name=unsafeSsl,order=triggerMetadata,default=false"`
	CA          string `keda:"name=ca,order=authParams,optional"`
	Cert        string `keda:"name=cert,order=authParams,optional"`
	Key         string `keda:"name=key,order=authParams,optional"`
	KeyPassword string `keda:"name=keyPassword,order=authParams,optional"`

	Sasl     string `keda:"name=sasl,order=triggerMetadata;authParams,optional,enum=none;plaintext;scram_sha256;scram_sha512;oauthbearer;gssapi"`
	Username string `keda:"name=username,order=authParams,optional"`
	Password string `keda:"name=password,order=authParams,optional"`

	SaslTokenProvider     string `keda:"name=saslTokenProvider,order=triggerMetadata;authParams,optional,enum=bearer;aws_msk_iam"`
	ScopesStr             string `keda:"name=scopes,order=authParams,optional"`
	OAuthTokenEndpointURI string `keda:"name=oauthTokenEndpointUri,order=authParams,optional"`
	OAuthExtensionsStr    string `keda:"name=oauthExtensions,order=authParams,optional"`

	Keytab              string `keda:"name=keytab,order=authParams,optional"`
	CcacheName          string `keda:"name=ccacheName,order=authParams,optional"`
	Realm               string `keda:"name=realm,order=authParams,optional"`
	KerberosConfigRaw   string `keda:"name=kerberosConfig,order=authParams,optional"`
	KerberosServiceName string `keda:"name=kerberosServiceName,order=authParams,optional"`
	KerberosDisableFAST bool   `keda:"name=kerberosDisableFAST,order=authParams,default=false"`

	AWSRegion string `keda:"name=awsRegion,order=triggerMetadata,optional"`

	//lint:ignore U1000 KEDA's parser (scalersconfig.TypedConfig) requires the field.
	triggerIndex int
}

// Validate repeats the checks of KEDA's kafkaMetadata.Validate that need no cluster.
func (m *kafkaTrigger) Validate() error {
	var errs []error
	if m.LagThreshold <= 0 {
		errs = append(errs, errors.New(`"lagThreshold" must be positive number`))
	}
	if m.ActivationLagThreshold < 0 {
		errs = append(errs, errors.New(`"activationLagThreshold" must be a non-negative number`))
	}
	if m.AllowIdleConsumers && m.LimitToPartitionsWithLag {
		errs = append(errs, errors.New("allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously"))
	}
	if m.Topic == "" && (m.LimitToPartitionsWithLag || m.EnsureEvenDistributionOfPartitions || !m.FullMetadata) {
		errs = append(errs, errors.New("topic must be specified"))
	}
	switch m.Sasl {
	case "plaintext", "scram_sha256", "scram_sha512":
		if m.Username == "" || m.Password == "" {
			errs = append(errs, fmt.Errorf("sasl %s needs username and password from a TriggerAuthentication", m.Sasl))
		}
	}
	if m.TLS == "enable" && (m.Cert == "") != (m.Key == "") {
		errs = append(errs, errors.New("cert and key must be given together"))
	}
	return errors.Join(errs...)
}

type postgresqlTrigger struct {
	TargetQueryValue           float64 `keda:"name=targetQueryValue,           order=triggerMetadata, optional"`
	ActivationTargetQueryValue float64 `keda:"name=activationTargetQueryValue, order=triggerMetadata, optional"`
	Connection                 string  `keda:"name=connection,                 order=authParams;resolvedEnv, optional"`
	Query                      string  `keda:"name=query,                      order=triggerMetadata"`

	Host     string `keda:"name=host,     order=authParams;triggerMetadata, optional"`
	Port     string `keda:"name=port,     order=authParams;triggerMetadata, optional"`
	UserName string `keda:"name=userName, order=authParams;triggerMetadata, optional"`
	DBName   string `keda:"name=dbName,   order=authParams;triggerMetadata, optional"`
	SslMode  string `keda:"name=sslmode,  order=authParams;triggerMetadata, optional"`

	Password string `keda:"name=password, order=authParams;resolvedEnv, optional"`

	//lint:ignore U1000 KEDA's parser (scalersconfig.TypedConfig) requires the field.
	triggerIndex int
}

// Validate repeats KEDA's postgreSQLMetadata.Validate for connection-string auth.
func (m *postgresqlTrigger) Validate() error {
	if m.Connection == "" && (m.Host == "" || m.Port == "" || m.UserName == "" || m.DBName == "") {
		return errors.New("no connection (TriggerAuthentication parameter `connection`) and no host/port/userName/dbName")
	}
	if m.TargetQueryValue <= 0 {
		return errors.New("targetQueryValue must be a positive number (KEDA would compute no replica count)")
	}
	return nil
}

// parseTrigger parses a trigger's metadata (and the parameter names its
// TriggerAuthentication provides; their values are secrets and never read) with KEDA's
// parser, and rejects names the scaler does not know, which KEDA itself only logs.
func parseTrigger(t kedav1alpha1.ScaleTriggers, auth *kedav1alpha1.TriggerAuthentication) error {
	var cfg any
	switch t.Type {
	case "kafka":
		cfg = &kafkaTrigger{}
	case "postgresql":
		cfg = &postgresqlTrigger{}
	default:
		return fmt.Errorf("trigger type %q is not one Taskline uses", t.Type)
	}
	known := tagNames(cfg)
	authParams := map[string]string{}
	if auth != nil {
		for _, r := range auth.Spec.SecretTargetRef {
			if !slices.Contains(known, r.Parameter) {
				return fmt.Errorf("TriggerAuthentication %s provides parameter %q, which the %s scaler does not read", auth.Name, r.Parameter, t.Type)
			}
			// A stand-in: the real value is in the Secret; only its presence matters here.
			authParams[r.Parameter] = "from-secret:" + r.Name + "/" + r.Key
		}
	}
	for k := range t.Metadata {
		if !slices.Contains(known, strings.TrimSuffix(k, "FromEnv")) {
			return fmt.Errorf("metadata %q is not a parameter of the %s scaler", k, t.Type)
		}
	}
	sc := scalersconfig.ScalerConfig{
		TriggerMetadata: t.Metadata, AuthParams: authParams, ResolvedEnv: map[string]string{},
		TriggerType: t.Type, ScalableObjectType: "ScaledObject",
	}
	if err := sc.TypedConfig(cfg); err != nil {
		return fmt.Errorf("KEDA cannot parse it: %w", err)
	}
	return nil
}

// tagNames lists the parameter names a typed config declares.
func tagNames(cfg any) []string {
	var names []string
	t := reflect.TypeOf(cfg).Elem()
	for i := range t.NumField() {
		tag, ok := t.Field(i).Tag.Lookup("keda")
		if !ok {
			continue
		}
		for _, part := range strings.Split(tag, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "name="); ok {
				names = append(names, strings.TrimSpace(v))
			}
		}
	}
	return names
}
