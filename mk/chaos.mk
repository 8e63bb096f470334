# The fault suite (issue 12), separate from `make test`:
#
#   make chaos   runs bin/taskline serve with its own Postgres and an SMTP server, then:
#                kill -9 under load and restart; Postgres stopped 10 s under load; SMTP
#                hanging, deferring and rejecting; poison events from one user among
#                others' traffic; hostile input; a time-boxed native fuzz run. Prints a
#                markdown table (acknowledged writes lost, duplicates, recovery time, 5xx to
#                bad input, normal users' delay) and fails when a figure misses its target.
#
# CHAOS_FUZZTIME sets the fuzzing time per target (0 skips fuzzing), CHAOS_LOAD the load
# before each fault. Needs initdb/pg_ctl like `make run`; talks to 127.0.0.1 only.

CHAOS_FUZZTIME ?= 5s
CHAOS_LOAD ?= 3s

.PHONY: chaos
chaos:
	$(GO) run ./test/e2e/cmd/chaos -root $(ROOT) -fuzztime $(CHAOS_FUZZTIME) -load $(CHAOS_LOAD)
