#!/usr/bin/env bash
# Smoke test of a deployed Taskline through its public host: the web app, then the API
# itself (create a task, find it in the list, delete it, see it gone), which wakes the
# Knative Services and the Dapr sidecars of create-task, query-tasks and delete-task.
#
#   BASE_URL=https://staging.todo.example.com SMOKE_TOKEN=<JWT of a smoke-test user> deploy/smoke.sh
#
# The token's `sub` is the user id of the API paths. Exits non-zero on the first failure.
set -euo pipefail
: "${BASE_URL:?BASE_URL is required}" "${SMOKE_TOKEN:?SMOKE_TOKEN is required}"
curl_() { curl --fail-with-body --silent --show-error --retry 10 --retry-delay 6 --retry-all-errors --max-time 30 "$@"; }

# The user id from the token's payload (base64url, padding restored).
payload=$(cut -d. -f2 <<<"$SMOKE_TOKEN" | tr '_-' '/+')
while (( ${#payload} % 4 )); do payload+="="; done
user=$(base64 -d <<<"$payload" | jq -r .sub)
[[ -n "$user" && "$user" != null ]] || { echo "SMOKE_TOKEN has no sub claim"; exit 1; }
api="$BASE_URL/api/$user"
auth="Authorization: Bearer $SMOKE_TOKEN"

curl_ "$BASE_URL/healthz" >/dev/null
curl_ "$BASE_URL/" | grep -qi '<html' || { echo "web: / is not the web app"; exit 1; }
echo "ok   web"

title="smoke $(date -u +%Y%m%dT%H%M%SZ) $RANDOM"
id=$(curl_ -X POST "$api/tasks" -H "$auth" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg t "$title" '{title: $t}')" | jq -r .id)
[[ "$id" =~ ^[0-9]+$ ]] || { echo "create: no task id ($id)"; exit 1; }
echo "ok   create task $id"

curl_ "$api/tasks" -H "$auth" | jq -e --argjson id "$id" '[.. | objects | select(.id? == $id)] | length > 0' >/dev/null \
  || { echo "list: task $id is not listed"; exit 1; }
echo "ok   list"

curl_ -X DELETE "$api/tasks/$id" -H "$auth" >/dev/null
code=$(curl --silent --output /dev/null --write-out '%{http_code}' "$api/tasks/$id" -H "$auth")
[[ "$code" == 404 ]] || { echo "delete: GET task $id answers $code, want 404"; exit 1; }
echo "ok   delete"
