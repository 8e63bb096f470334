# The fault suite (issue 12), separate from `make test`:
#
#   make chaos   runs bin/taskline serve with its own Postgres and an SMTP server, then:
#                kill -9 under load and restart; Postgres stopped 10 s under load; SMTP
#                hanging, deferring and rejecting; poison events from one user among
#                others' traffic; hostile input; a time-boxed native fuzz run. Prints a
#                markdown table (acknowledged writes lost, duplicates, recovery time, 5xx to
#                bad input, normal users' delay) and fails when a figure misses its target.
#                Then the same on the daprd stack (make chaos-dapr), a second table.
#   make chaos-dapr  the functions each behind its own daprd (bin/daprd), the kfake broker,
#                Postgres and SMTP, as test/e2e runs them: the broker down CHAOS_OUTAGE under
#                create/complete load; kill -9 of spawn-next-occurrence, then of
#                complete-task, under load; poison events from one user among others'.
#
# CHAOS_FUZZTIME sets the fuzzing time per target (0 skips fuzzing), CHAOS_LOAD the load
# before each fault. Needs initdb/pg_ctl like `make run`; talks to 127.0.0.1 only.

CHAOS_FUZZTIME ?= 5s
CHAOS_LOAD ?= 3s
CHAOS_OUTAGE ?= 30s

.PHONY: chaos chaos-dapr
chaos: daprd kafkabroker
	DAPRD=$(E2E_BIN)/daprd $(GO) run ./test/e2e/cmd/chaos -root $(ROOT) -stack all \
		-fuzztime $(CHAOS_FUZZTIME) -load $(CHAOS_LOAD) -outage $(CHAOS_OUTAGE)

chaos-dapr: daprd kafkabroker
	DAPRD=$(E2E_BIN)/daprd $(GO) run ./test/e2e/cmd/chaos -root $(ROOT) -stack dapr \
		-load $(CHAOS_LOAD) -outage $(CHAOS_OUTAGE)
