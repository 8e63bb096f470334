// Command tokens serves the personal access tokens function.
package main

import (
	"github.com/taskline/taskline/functions/tokens"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("tokens", tokens.Routes) }
