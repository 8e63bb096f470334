// Command manage-tags serves the manage-tags function (docs/ARCHITECTURE.md).
package main

import (
	"github.com/taskline/taskline/functions/manage-tags"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("manage-tags", managetags.Routes) }
