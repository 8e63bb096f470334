# Deployment: images, Lambda bundles, the Helm chart and its offline validation. Included by
# the top-level Makefile (`include mk/*.mk`); also usable alone: `make -f mk/deploy.mk images`.
#
#   make images       one OCI image per function (+ ghcr.io/taskline/taskline for the migration
#                     Job), assembled in Go (deploy/image) from a static binary on an empty
#                     base, non-root: dist/images/<name>.tar (docker load / minikube image load).
#                     No container engine needed; deploy/Dockerfile builds the same with Docker.
#   make images-smoke the images run without a container engine: each rootfs unpacked and
#                     /function started in a chroot as uid 65532 against a throwaway
#                     Postgres (the taskline image migrates it first); /healthz and /readyz
#                     must answer. Needs root.
#   make lambda       dist/lambda/<name>.zip: each function as a `bootstrap` for provided.al2023
#   make chart-lint   helm lint for every values file: the Helm library's linter, and
#                     `helm lint --strict` too when a helm binary is on PATH
#   make validate     chart-lint + render every values file + strict decode + Knative/KEDA
#                     validation + cross-resource checks + infra/ drift check
#   make infra        re-render infra/dapr, infra/keda, infra/knative from the chart
#   make test-deploy  gofmt, vet and the tests of deploy/validate and deploy/image (called by
#                     `make test`): every values file valid, broken manifests rejected, infra/
#                     in sync, KEDA's query on the real schema, workflows (actionlint), Lambda
#                     template, image assembly, the Dockerfile's build step, and
#                     compose.yaml against the chart (deploy/compose)
#
# deploy/validate pulls k8s.io, Knative, KEDA, Dapr and Helm; deploy/image pulls
# go-containerregistry. Their versions must never leak into the function modules through
# go.work's MVS, so both modules stay OUT of go.work and every command here runs them with
# GOWORK=off.

DEPLOY_ROOT := $(patsubst %/mk/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
DEPLOY_GO ?= go
DEPLOY_DIST := $(DEPLOY_ROOT)/dist
# Image tag and registry; CI passes the commit SHA.
IMAGE_TAG ?= dev
IMAGE_REGISTRY ?= ghcr.io/taskline
IMAGE_ARCH ?= amd64
# Graviton is the cheaper Lambda architecture; x86_64 works the same (LAMBDA_ARCH=amd64).
LAMBDA_ARCH ?= arm64
# Functions are whatever main packages exist: functions/<name>/cmd/<name>/.
DEPLOY_FUNCTIONS = $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard $(DEPLOY_ROOT)/functions/*/cmd/*/main.go)))))
# Static, stripped, with the time zone database inside (reminders use the user's zone and
# the images have no /usr/share/zoneinfo). lambda.norpc drops aws-lambda-go's RPC server for
# the retired go1.x runtime (provided.al2023 never uses it): 3.5 MiB less per binary.
DEPLOY_TAGS := lambda.norpc,timetzdata
DEPLOY_BUILD := CGO_ENABLED=0 GOOS=linux $(DEPLOY_GO) build -trimpath -tags $(DEPLOY_TAGS) -ldflags '-s -w'
# deploy/validate also requires shared/ (replace ../../shared: its tests run the KEDA query
# against the real migrations in a pglocal Postgres). -mod=mod lets a new dependency of
# shared/ land in deploy/validate's go.sum instead of failing the build.
DEPLOY_VALIDATE := cd $(DEPLOY_ROOT)/deploy/validate && GOWORK=off GOFLAGS="$(GOFLAGS) -mod=mod" $(DEPLOY_GO)
DEPLOY_IMAGE := cd $(DEPLOY_ROOT)/deploy/image && GOWORK=off $(DEPLOY_GO)
# compose.yaml checked against the chart; its own module (compose-go needs a newer yaml/v4
# than deploy/validate's actionlint builds with).
DEPLOY_COMPOSE := cd $(DEPLOY_ROOT)/deploy/compose && GOWORK=off GOFLAGS="$(GOFLAGS) -mod=mod" $(DEPLOY_GO)

.PHONY: images images-smoke lambda chart-lint validate infra test-deploy

# The web function and the all-in-one binary embed web/dist: build the app first when npm
# is there (mk/web.mk), as `make run` does.
DEPLOY_WEB = @if command -v npm >/dev/null && $(MAKE) -n web >/dev/null 2>&1; then $(MAKE) --no-print-directory web; \
	else echo "npm not found: web/dist is embedded as it is"; fi

images:
	@test -n "$(DEPLOY_FUNCTIONS)" || { echo "no functions/*/cmd/*/main.go yet"; exit 1; }
	$(DEPLOY_WEB)
	@mkdir -p $(DEPLOY_DIST)/linux_$(IMAGE_ARCH) $(DEPLOY_DIST)/images
	$(DEPLOY_IMAGE) build -o $(DEPLOY_DIST)/build-image ./cmd/build-image
	@set -e; for f in $(DEPLOY_FUNCTIONS); do \
		(cd $(DEPLOY_ROOT)/functions/$$f && GOARCH=$(IMAGE_ARCH) $(DEPLOY_BUILD) -o $(DEPLOY_DIST)/linux_$(IMAGE_ARCH)/$$f ./cmd/$$f); \
		$(DEPLOY_DIST)/build-image -binary $(DEPLOY_DIST)/linux_$(IMAGE_ARCH)/$$f -name $$f -arch $(IMAGE_ARCH) \
			-registry $(IMAGE_REGISTRY) -tags $(IMAGE_TAG) -out $(DEPLOY_DIST)/images/$$f.tar; \
	done
	@if [ -f $(DEPLOY_ROOT)/cmd/taskline/main.go ]; then \
		(cd $(DEPLOY_ROOT)/cmd && GOARCH=$(IMAGE_ARCH) $(DEPLOY_BUILD) -o $(DEPLOY_DIST)/linux_$(IMAGE_ARCH)/taskline ./taskline) && \
		$(DEPLOY_DIST)/build-image -binary $(DEPLOY_DIST)/linux_$(IMAGE_ARCH)/taskline -name taskline -arch $(IMAGE_ARCH) \
			-registry $(IMAGE_REGISTRY) -tags $(IMAGE_TAG) -out $(DEPLOY_DIST)/images/taskline.tar; \
	fi

images-smoke: images
	cd $(DEPLOY_ROOT) && $(DEPLOY_GO) run ./shared/pglocal/cmd/pgrun -- bash deploy/image/smoke.sh $(DEPLOY_DIST)/images

lambda:
	@test -n "$(DEPLOY_FUNCTIONS)" || { echo "no functions/*/cmd/*/main.go yet"; exit 1; }
	$(DEPLOY_WEB)
	@mkdir -p $(DEPLOY_DIST)/lambda
	$(DEPLOY_IMAGE) build -o $(DEPLOY_DIST)/lambda-zip ./cmd/lambda-zip
	@set -e; for f in $(DEPLOY_FUNCTIONS); do \
		mkdir -p $(DEPLOY_DIST)/lambda/$$f; \
		(cd $(DEPLOY_ROOT)/functions/$$f && GOARCH=$(LAMBDA_ARCH) $(DEPLOY_BUILD) -o $(DEPLOY_DIST)/lambda/$$f/bootstrap ./cmd/$$f); \
		$(DEPLOY_DIST)/lambda-zip -bootstrap $(DEPLOY_DIST)/lambda/$$f/bootstrap -out $(DEPLOY_DIST)/lambda/$$f.zip; \
	done

chart-lint:
	$(DEPLOY_VALIDATE) run ./cmd/validate -root $(DEPLOY_ROOT) -lint-only
	@if command -v helm >/dev/null; then for v in values values-dev values-staging values-prod; do \
		helm lint --strict $(DEPLOY_ROOT)/helm/taskline -f $(DEPLOY_ROOT)/helm/taskline/$$v.yaml; done; fi

validate:
	$(DEPLOY_VALIDATE) run ./cmd/validate -root $(DEPLOY_ROOT)

infra:
	$(DEPLOY_VALIDATE) run ./cmd/render-infra -root $(DEPLOY_ROOT)

test-deploy:
	@out=$$(gofmt -l $(DEPLOY_ROOT)/deploy); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(DEPLOY_VALIDATE) vet ./...
	$(DEPLOY_VALIDATE) test -count=1 ./...
	$(DEPLOY_IMAGE) vet ./...
	$(DEPLOY_IMAGE) test -count=1 ./...
	$(DEPLOY_COMPOSE) vet ./...
	$(DEPLOY_COMPOSE) test -count=1 ./...
	@if command -v staticcheck >/dev/null; then \
		(cd $(DEPLOY_ROOT)/deploy/validate && GOWORK=off staticcheck ./...) && (cd $(DEPLOY_ROOT)/deploy/image && GOWORK=off staticcheck ./...); fi
