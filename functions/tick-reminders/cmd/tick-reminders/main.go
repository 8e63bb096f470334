// Command tick-reminders serves the tick-reminders function (docs/ARCHITECTURE.md): the
// cron binding at POST /reminder-tick, and its own loop that fires reminders on time.
package main

import (
	tick "github.com/taskline/taskline/functions/tick-reminders"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.EventMain(tick.Name, tick.Build) }
