// Command spawn-next-occurrence serves the spawn-next-occurrence function
// (docs/ARCHITECTURE.md): task-events in over CloudEvents HTTP, Dapr or Lambda.
package main

import (
	spawn "github.com/taskline/taskline/functions/spawn-next-occurrence"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.EventMain(spawn.Name, spawn.Build) }
