// Command chat serves the chat function: the assistant people talk to (see package chat).
package main

import (
	"github.com/taskline/taskline/functions/chat"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main(chat.Name, chat.Routes) }
