// Package validate checks Taskline's deployment manifests without a cluster.
//
// It renders the Helm chart with the Helm Go library, decodes every manifest strictly into
// the real API types (Kubernetes, Knative Serving, KEDA, Dapr, Gateway API), runs the
// validation functions those projects ship, and then checks what no single API server
// would catch: that KEDA measures the consumer group and topic Dapr really uses, that
// replicas do not exceed partitions, that ports and app ids line up across objects.
//
// The heavy Kubernetes modules live only in this module (github.com/taskline/taskline/deploy/validate),
// which is kept out of go.work so that their versions never leak into the function modules.
package validate
