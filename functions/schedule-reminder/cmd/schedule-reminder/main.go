// Command schedule-reminder serves the schedule-reminder function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/schedule-reminder"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("schedule-reminder", schedulereminder.Routes) }
