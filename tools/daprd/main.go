// Command daprd is Dapr's sidecar runtime, built from github.com/dapr/dapr v1.16.0.
//
// Taskline builds daprd from source rather than downloading a release binary so the
// production-shaped end-to-end tests (test/e2e) run against the exact runtime version the
// Kubernetes deployment uses, with nothing fetched beyond the Go module proxy.
// Build it with the `stablecomponents` tag (see mk/e2e.mk, target `daprd`): without a
// components tag daprd registers no components at all, and the Kafka pubsub and cron
// binding that Taskline uses are both stable components.
package main

import "github.com/dapr/dapr/cmd/daprd/app"

func main() {
	app.Run()
}
