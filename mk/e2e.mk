# Production-shaped end-to-end run: each function behind a real daprd sidecar, a
# Kafka-protocol broker (kfake) and a throwaway Postgres. Included by the top-level
# Makefile (`include mk/*.mk`); also usable alone: `make -f mk/e2e.mk e2e`.
#
#   make daprd        bin/daprd from github.com/dapr/dapr v1.16.0, only when missing or older than
#                     tools/daprd or this file (measured on 2 cores: 6 min with an empty build
#                     cache, +1.3 min to download modules; seconds when only flags changed)
#   make kafkabroker  bin/kafkabroker, the kfake broker with Taskline's topics
#   make e2e          both of the above, then go test ./test/e2e/...
#
# tools/daprd repeats dapr's replace directives, which would conflict with other
# workspace modules, so it stays out of go.work and is built with GOWORK=off.

E2E_ROOT := $(patsubst %/mk/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
E2E_BIN := $(E2E_ROOT)/bin
E2E_GO ?= go
E2E_TIMEOUT ?= 20m
DAPR_VERSION := 1.16.0
DAPR_COMMIT := b68296042c975d4ede1ed93ec6b0a579c2b6a020

# The same version stamps as dapr's own Makefile, so `daprd --version` and the `ver`
# field of its logs say 1.16.0.
DAPRD_LDFLAGS := -s -w \
	-X github.com/dapr/dapr/pkg/buildinfo.version=$(DAPR_VERSION) \
	-X github.com/dapr/dapr/pkg/buildinfo.gitversion=v$(DAPR_VERSION) \
	-X github.com/dapr/dapr/pkg/buildinfo.gitcommit=$(DAPR_COMMIT) \
	-X github.com/dapr/kit/logger.DaprVersion=$(DAPR_VERSION)

.PHONY: daprd kafkabroker e2e

daprd: $(E2E_BIN)/daprd

# Rebuilt only when the module or this file (its build flags) change: the build is minutes long.
$(E2E_BIN)/daprd: $(E2E_ROOT)/tools/daprd/go.mod $(E2E_ROOT)/tools/daprd/go.sum \
		$(E2E_ROOT)/tools/daprd/main.go $(E2E_ROOT)/mk/e2e.mk
	@mkdir -p $(E2E_BIN)
	cd $(E2E_ROOT)/tools/daprd && GOWORK=off CGO_ENABLED=0 $(E2E_GO) build -trimpath \
		-tags stablecomponents -ldflags '$(DAPRD_LDFLAGS)' -o $@.tmp . && mv $@.tmp $@

kafkabroker: $(E2E_BIN)/kafkabroker

# Cheap to build, so always handed to go build (which is a no-op when nothing changed).
.PHONY: $(E2E_BIN)/kafkabroker
$(E2E_BIN)/kafkabroker:
	@mkdir -p $(E2E_BIN)
	cd $(E2E_ROOT)/test/e2e && $(E2E_GO) build -o $@ ./cmd/kafkabroker

# DAPRD tells the harness which daprd to run (it does not build daprd itself: minutes).
e2e: daprd kafkabroker
	cd $(E2E_ROOT)/test/e2e && $(E2E_GO) vet ./...
	cd $(E2E_ROOT)/test/e2e && DAPRD=$(E2E_BIN)/daprd \
		$(E2E_GO) test -count=1 -timeout $(E2E_TIMEOUT) ./...
