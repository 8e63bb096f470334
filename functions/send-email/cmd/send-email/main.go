// Command send-email serves the send-email function (docs/ARCHITECTURE.md):
// reminder-events in over CloudEvents HTTP, Dapr or Lambda; mail out over SMTP_URL.
package main

import (
	sendemail "github.com/taskline/taskline/functions/send-email"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.EventMain(sendemail.Name, sendemail.Build) }
