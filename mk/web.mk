# The single-page app in web/ (TypeScript + Preact, built by Vite into web/dist, which
# web/web.go embeds). Included by the top-level Makefile (`include mk/*.mk`); also usable
# alone: `make -f mk/web.mk web`.
#
#   make web        npm ci (when the lockfile changed) and npm run build (when sources changed)
#   make web-test   typecheck and unit tests (vitest): API client, chat stream and live event
#                   stream (SSE, reconnect, own changes), dates, error mapping, quick-add
#                   preview, tool cards
#   make web-deps   Debian's chromium (for the browser tests) and the npm packages
#   make openapi    regenerate web/public/openapi.json, docs.html and src/lib/api-types.ts from the Go routes
#   make web-e2e    build the app and bin/taskline, then drive the page in headless Chromium
#                   against `bin/taskline serve` with its own Postgres (app, chat and quick add,
#                   the seed client, daily use: views, undo, keyboard, offline queue, phone,
#                   notifications, tokens; live events: another tab's or the chat's changes
#                   appear without a reload, a streamed reminder.triggered notifies; Lighthouse desktop: performance >= 95 and
#                   accessibility 100 on the signed-in list); screenshots land in web/e2e/screenshots/
#
# The Go side must be built after `make web`: the binary embeds whatever web/dist holds.

WEB_ROOT := $(patsubst %/mk/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
WEB_DIR := $(WEB_ROOT)/web
WEB_GO ?= go
WEB_NPM ?= npm
WEB_CHROMIUM ?= /usr/bin/chromium

# npm ci writes node_modules/.package-lock.json: a stamp that is newer than the lockfile
# exactly when the installed tree matches it.
WEB_MODULES := $(WEB_DIR)/node_modules/.package-lock.json
WEB_SOURCES := $(shell find $(WEB_DIR)/src $(WEB_DIR)/public -type f 2>/dev/null) \
	$(WEB_DIR)/index.html $(WEB_DIR)/vite.config.ts $(WEB_DIR)/tsconfig.json $(WEB_DIR)/package.json
WEB_BUILT := $(WEB_DIR)/dist/index.html

.PHONY: web web-test web-deps web-e2e web-chromium

web: $(WEB_BUILT)

$(WEB_MODULES): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	cd $(WEB_DIR) && $(WEB_NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_BUILT): $(WEB_MODULES) $(WEB_SOURCES)
	cd $(WEB_DIR) && $(WEB_NPM) run build

web-test: $(WEB_MODULES)
	cd $(WEB_DIR) && $(WEB_NPM) run typecheck && $(WEB_NPM) test

web-chromium:
	@if [ ! -x $(WEB_CHROMIUM) ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

web-deps: web-chromium $(WEB_MODULES)

# bin/taskline is rebuilt every time: it embeds web/dist and is owned by the lead's
# targets, so this target does not guess at its dependencies.
web-e2e: web-deps web
	cd $(WEB_ROOT) && $(WEB_GO) build -o bin/taskline ./cmd/taskline
	cd $(WEB_DIR) && TASKLINE_BIN=$(WEB_ROOT)/bin/taskline CHROMIUM=$(WEB_CHROMIUM) $(WEB_NPM) run e2e

# The API description, generated from the Go routes' docs: web/public/openapi.json (served
# by the web function at /openapi.json, checked against the code by cmd/taskline's tests),
# web/public/docs.html (the reference page at /docs) and web/src/lib/api-types.ts (the
# app's API types, checked by web-test). Run it after changing a route or a JSON type.
.PHONY: openapi
openapi: $(WEB_MODULES)
	cd $(WEB_ROOT) && $(WEB_GO) run ./cmd/taskline openapi > web/public/openapi.json
	cd $(WEB_ROOT) && $(WEB_GO) run ./cmd/taskline openapi --html > web/public/docs.html
	cd $(WEB_DIR) && node_modules/.bin/openapi-typescript public/openapi.json -o src/lib/api-types.ts
