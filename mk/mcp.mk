# The mcp function (functions/mcp; docs/mcp.md). Included by the top-level Makefile
# (`include mk/*.mk`); its tests also run in `make test`.
#
#   make mcp-test    the function's tests: the MCP SDK's own client in memory, over Streamable
#                    HTTP and over stdio, against a throwaway Postgres
#   make mcp-tools   print the tools as OpenAI-style function definitions (JSON on stdout)

MCP_ROOT := $(patsubst %/mk/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
MCP_GO ?= go

.PHONY: mcp-test mcp-tools

mcp-test:
	cd $(MCP_ROOT)/functions/mcp && $(MCP_GO) vet ./... && $(MCP_GO) test -count=1 ./...

mcp-tools:
	@cd $(MCP_ROOT) && $(MCP_GO) run ./cmd/taskline tools --openai
