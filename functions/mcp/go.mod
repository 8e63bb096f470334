module github.com/taskline/taskline/functions/mcp

go 1.26.0

require (
	github.com/google/jsonschema-go v0.4.3
	github.com/modelcontextprotocol/go-sdk v1.8.0
	github.com/taskline/taskline/shared v0.0.0
)

replace github.com/taskline/taskline/shared => ../../shared
