package validate

import (
	"errors"
	"fmt"
	"path/filepath"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// Manifests checks rendered manifests: strict decoding, then Check. It is the part the
// tests of deliberately broken manifests call.
func Manifests(ms []Manifest, facts Facts) error {
	objs, err := DecodeAll(ms)
	return errors.Join(err, Check(objs, facts))
}

// Chart renders the chart with one values file and checks everything it renders.
func Chart(chartDir, valuesFile string, rel Release) error {
	var files []string
	if valuesFile != "" {
		files = append(files, valuesFile)
	}
	r, err := Render(chartDir, rel, files...)
	if err != nil {
		return err
	}
	facts, err := FactsFromValues(r.Values, rel.Namespace)
	if err != nil {
		return err
	}
	if len(r.Manifests) == 0 {
		return fmt.Errorf("%s renders nothing", valuesFile)
	}
	if r.Notes == "" {
		return fmt.Errorf("%s: NOTES.txt renders empty", valuesFile)
	}
	return Manifests(r.Manifests, facts)
}

// Lint runs `helm lint` (the Helm library's linter, the same code as the CLI) with one
// values file, and fails on errors and on warnings alike (`helm lint --strict`).
func Lint(chartDir, valuesFile string, rel Release) error {
	vals := map[string]any{}
	if valuesFile != "" {
		v, err := chartutil.ReadValuesFile(valuesFile)
		if err != nil {
			return fmt.Errorf("reading %s: %w", valuesFile, err)
		}
		vals = v.AsMap()
	}
	l := lint.All(chartDir, vals, rel.Namespace, false)
	var errs []error
	for _, m := range l.Messages {
		if m.Severity >= support.WarningSev {
			errs = append(errs, fmt.Errorf("helm lint %s (%s): %s", filepath.Base(chartDir), filepath.Base(valuesFile), m.Error()))
		}
	}
	return errors.Join(errs...)
}
