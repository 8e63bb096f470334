# The race detector on the packages with concurrency (issue 12): the outbox relay and its
# workers, the in-process bus, the runtime's adapters, the live event stream's hub (issue 16)
# and the MCP server. `make test` runs test-race after the plain tests. test-race-pipeline
# adds the local binary's in-process pipeline under -race; it is not in `make test` because
# building that package's tests with -race (their OpenAPI validator included) takes minutes
# on a cold cache.
#
#   make test-race
#   make test-race-pipeline

RACE_PACKAGES := ./shared/outbox/... ./shared/bus/... ./shared/runtime/... ./shared/stream/... ./functions/mcp/...

.PHONY: test-race test-race-pipeline
test-race:
	$(GO) run ./shared/pglocal/cmd/pgrun -- $(GO) test -race -count=1 -p 2 -timeout $(TEST_TIMEOUT) $(RACE_PACKAGES)

test-race-pipeline:
	$(GO) run ./shared/pglocal/cmd/pgrun -- $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -run 'TestLocal' ./cmd/taskline
