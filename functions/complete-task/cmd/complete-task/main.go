// Command complete-task serves the complete-task function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/complete-task"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("complete-task", completetask.Routes) }
