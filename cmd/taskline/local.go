package main

import (
	"context"
	"path/filepath"

	"github.com/taskline/taskline/shared/runtime"
)

// startLocalPipeline runs the event half in process (see pipeline.go): the bus that carries
// outbox events to spawn-next-occurrence and send-email, and the reminder ticker. Mail goes
// to SMTP_URL or to the sink in <dataDir>/mail.
func startLocalPipeline(ctx context.Context, d *runtime.Deps, dataDir string) (stop func(), err error) {
	return startPipeline(ctx, d, pipelineConfig{MailDir: filepath.Join(dataDir, "mail")})
}
