// Command mcp serves the mcp function (docs/ARCHITECTURE.md): Taskline's tools for AI
// assistants over MCP Streamable HTTP at /mcp.
package main

import (
	mcpserver "github.com/taskline/taskline/functions/mcp"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main(mcpserver.Name, mcpserver.Routes) }
