// Command update-task serves the update-task function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/update-task"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("update-task", updatetask.Routes) }
