-- KEDA's own login for the postgresql triggers (tick-reminders and send-email wake on due
-- reminders and stale outbox rows). It reads the few columns the queries count and nothing
-- else: no emails, no task titles, no writes. Run once per database as the schema owner
-- (or an admin), then put its URL in the taskline-postgres-keda Secret:
--
--   psql "$ADMIN_URL" -v keda_password="$(openssl rand -hex 24)" -f deploy/sql/keda-role.sql
--   kubectl -n taskline create secret generic taskline-postgres-keda \
--     --from-literal=DATABASE_URL="postgres://taskline_keda:<password>@<host>:5432/<db>?sslmode=require"
--
-- deploy/validate's KEDA query test applies this file and runs the chart's queries as the role.
CREATE ROLE taskline_keda LOGIN PASSWORD :'keda_password' CONNECTION LIMIT 4;
GRANT USAGE ON SCHEMA public TO taskline_keda;
GRANT SELECT (status, remind_at, next_attempt_at, updated_at, leased_until) ON reminders TO taskline_keda;
GRANT SELECT (published_at, created_at, parked_at, next_attempt_at) ON outbox TO taskline_keda;
