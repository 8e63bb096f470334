// Command validate checks the Taskline Helm chart offline, for CI and `make validate`:
// helm lint, then render with each values file, strict decoding into the real API types,
// Knative's and KEDA's own validation and the cross-resource rules; and that the files under
// infra/ are what the chart renders.
//
//	GOWORK=off go run ./cmd/validate -root ../..
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/taskline/taskline/deploy/validate"
)

func main() {
	root := flag.String("root", "../..", "repository root")
	lintOnly := flag.Bool("lint-only", false, "only helm lint")
	flag.Parse()
	chart := filepath.Join(*root, "helm/taskline")
	failed := false
	for _, vf := range []string{"values.yaml", "values-dev.yaml", "values-staging.yaml", "values-prod.yaml"} {
		path := filepath.Join(chart, vf)
		if vf == "values.yaml" {
			path = "" // the defaults alone
		}
		steps := []struct {
			what string
			run  func(string, string, validate.Release) error
		}{{"lint", validate.Lint}, {"validate", validate.Chart}}
		if *lintOnly {
			steps = steps[:1]
		}
		for _, s := range steps {
			what, run := s.what, s.run
			if err := run(chart, path, validate.DefaultRelease); err != nil {
				failed = true
				fmt.Fprintf(os.Stderr, "FAIL %s %s:\n  %s\n", what, vf, strings.ReplaceAll(err.Error(), "\n", "\n  "))
				continue
			}
			fmt.Printf("ok   %s %s\n", what, vf)
		}
	}
	if *lintOnly {
		if failed {
			os.Exit(1)
		}
		return
	}
	drift, err := validate.InfraDrift(*root)
	switch {
	case err != nil:
		failed = true
		fmt.Fprintf(os.Stderr, "FAIL infra: %v\n", err)
	case len(drift) > 0:
		failed = true
		fmt.Fprintf(os.Stderr, "FAIL infra/ differs from the chart (run `make infra`): %s\n", strings.Join(drift, ", "))
	default:
		fmt.Println("ok   infra/ matches the chart")
	}
	if failed {
		os.Exit(1)
	}
}
