// Command create-task serves the create-task function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/create-task"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("create-task", createtask.Routes) }
