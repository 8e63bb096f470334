// Command profile serves the profile function.
package main

import (
	"github.com/taskline/taskline/functions/profile"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main("profile", profile.Routes) }
