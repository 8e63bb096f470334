// Command delete-task serves the delete-task function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/delete-task"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("delete-task", deletetask.Routes) }
