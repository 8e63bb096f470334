# Taskline: an event-driven todo service built from small Go functions.
#
#   make run     the local all-in-one binary on :8080 (own Postgres in ./.data unless DATABASE_URL)
#   make test    go vet + every module's tests against a throwaway Postgres, -race on the
#                concurrent packages (mk/race.mk), the manifest checks, the web app's unit tests
#   make chaos   the fault suite against the local binary and the daprd stack (mk/chaos.mk); not part of make test
#   make e2e     the production-shaped run: each function behind a real daprd, Kafka-protocol broker
#   make bench   the benchmark table (bench/README.md)
#   make build   every function binary into bin/
#   make lint    gofmt + go vet (+ staticcheck when installed)
#
# Other targets come from mk/*.mk: web, web-test, web-e2e (mk/web.mk); daprd, kafkabroker, e2e
# (mk/e2e.mk); images, lambda, chart-lint, validate (mk/deploy.mk).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TEST_TIMEOUT ?= 15m

# Workspace modules whose tests run in `make test`. test/e2e runs in `make e2e`; deploy/ is
# checked by its own module (heavy Kubernetes dependencies, outside go.work).
GO_MODULES = $(shell $(GO) list -m -f '{{.Dir}}' | grep -v -e '/test/e2e$$')
GO_PACKAGES = $(addsuffix /...,$(GO_MODULES))
FUNCTIONS := $(sort $(foreach f,$(wildcard functions/*/cmd/*/main.go),$(word 2,$(subst /, ,$(f)))))

.PHONY: all run test test-go vet lint build bench fmt clean

all: build

include $(wildcard mk/*.mk)

run:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web; \
	else echo "npm not found: the API runs, the web app page says how to build it (apt-get install nodejs npm)"; fi
	$(GO) build -o bin/taskline ./cmd/taskline
	./bin/taskline serve

test: vet test-go test-race
	@if $(MAKE) -n test-deploy >/dev/null 2>&1; then $(MAKE) --no-print-directory test-deploy; fi
	@if ! command -v npm >/dev/null; then echo "npm not found: skipping the web app's unit tests"; \
	elif $(MAKE) -n web-test >/dev/null 2>&1; then $(MAKE) --no-print-directory web-test; fi

# One throwaway Postgres serves every test package (each test gets its own database).
test-go:
	$(GO) run ./shared/pglocal/cmd/pgrun -- $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(GO_PACKAGES)

vet:
	$(GO) vet $(GO_PACKAGES)

lint: vet
	@out=$$(gofmt -l $(GO_MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v staticcheck >/dev/null; then staticcheck $(GO_PACKAGES); fi

build:
	@mkdir -p bin
	@for f in $(FUNCTIONS); do echo "build $$f"; CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o bin/$$f ./functions/$$f/cmd/$$f; done
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o bin/taskline ./cmd/taskline

fmt:
	gofmt -w $(GO_MODULES)

clean:
	rm -rf bin
