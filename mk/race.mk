# The race detector on the packages with concurrency (issue 12): the outbox relay and its
# workers, the in-process bus, the runtime's adapters, the MCP server, and the local
# binary's in-process pipeline. `make test` runs it after the plain tests.
#
#   make test-race

RACE_PACKAGES := ./shared/outbox/... ./shared/bus/... ./shared/runtime/... ./functions/mcp/...

.PHONY: test-race
test-race:
	$(GO) run ./shared/pglocal/cmd/pgrun -- $(GO) test -race -count=1 -p 2 -timeout $(TEST_TIMEOUT) $(RACE_PACKAGES)
	$(GO) run ./shared/pglocal/cmd/pgrun -- $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -run 'TestLocal' ./cmd/taskline
