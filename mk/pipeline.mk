# Event pipeline figures (not part of `make test`): emails/s through send-email to an SMTP
# server in the test, reminder lateness under the ticker's own loop, and one tick over
# 10,000 due reminders. Included by the top-level Makefile (`include mk/*.mk`).
#
#   make pipeline-bench

PIPELINE_GO ?= go

.PHONY: pipeline-bench

pipeline-bench:
	$(PIPELINE_GO) run ./shared/pglocal/cmd/pgrun -- $(PIPELINE_GO) test -count=1 -v \
		-run 'TestFiresOnTime|TestSweepOf10000DueReminders' -bench SendEmail -benchtime 2000x \
		./functions/send-email ./functions/tick-reminders 2>&1 | grep -E 'lateness|10,000|emails/s|^(ok|FAIL)'
