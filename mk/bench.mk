# The benchmark table (bench/README.md). Included by the top-level Makefile
# (`include mk/*.mk`). It builds every binary the way `make build` does, starts its own
# PostgreSQL, runs all scenarios against 127.0.0.1 and writes bench/results/latest.md and
# latest.json; under 10 minutes on 2 cores.
#
#   make bench                          every scenario
#   make bench BENCH_ARGS='-only list'  some of them (coldstart,create,list,reminders,recurring,dapr)
#   make bench BENCH_ARGS=-quick        short series, to check the benchmark itself

BENCH_ROOT := $(patsubst %/mk/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BENCH_GO ?= go
BENCH_ARGS ?=

.PHONY: bench bench-test

bench:
	cd $(BENCH_ROOT) && $(BENCH_GO) run ./bench/cmd/bench $(BENCH_ARGS)

# The benchmark's own tests (load generator, report, SMTP sink, plan parsing).
bench-test:
	cd $(BENCH_ROOT)/bench && $(BENCH_GO) test -count=1 ./...
