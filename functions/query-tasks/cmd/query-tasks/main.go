// Command query-tasks serves the query-tasks function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/query-tasks"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("query-tasks", querytasks.Routes) }
