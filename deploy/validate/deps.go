package validate

import (
	_ "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	_ "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
	_ "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
	_ "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	_ "helm.sh/helm/v3/pkg/engine"
	_ "helm.sh/helm/v3/pkg/chartutil"
	_ "helm.sh/helm/v3/pkg/chart/loader"
	_ "helm.sh/helm/v3/pkg/lint"
	_ "k8s.io/api/apps/v1"
	_ "knative.dev/serving/pkg/apis/serving/v1"
)
