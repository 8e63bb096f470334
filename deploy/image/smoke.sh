#!/usr/bin/env bash
# Runs every image of dist/images as a container runtime would, without one: each image's
# root filesystem is unpacked and /function started in a chroot as uid 65532 (the image's
# user), with only the image's files: no Go toolchain, no shared libraries, no /usr/share/zoneinfo.
# First the all-in-one image migrates the database (what the Helm hook Job does), then every
# function must answer GET /healthz and GET /readyz (Postgres reachable) with 200.
# Needs root (chroot) and DATABASE_URL (make images-smoke runs it under pgrun).
set -euo pipefail
images=${1:?usage: smoke.sh dist/images}
[ "$(id -u)" = 0 ] || { echo "smoke.sh needs root for chroot" >&2; exit 1; }
: "${DATABASE_URL:?DATABASE_URL must point at a Postgres}"
chroot=$(command -v chroot)
work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

unpack() { # image tarball -> rootfs dir
  local tarball=$1 dir=$2 layer
  mkdir -p "$dir/img" "$dir/rootfs"
  tar -xf "$tarball" -C "$dir/img"
  for layer in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$dir/img/manifest.json"); do
    tar -xzf "$dir/img/$layer" -C "$dir/rootfs"
  done
}

run_in() { # rootfs, env...
  local rootfs=$1; shift
  # exec: the background job's PID is then the function's own, so cleanup can stop it.
  exec env -i "$@" "$chroot" --userspec=65532:65532 "$rootfs" /function
}

if [ -f "$images/taskline.tar" ]; then
  unpack "$images/taskline.tar" "$work/taskline"
  env -i DATABASE_URL="$DATABASE_URL" "$chroot" --userspec=65532:65532 "$work/taskline/rootfs" /function migrate
  echo "ok   taskline migrate"
fi

port=18400
failed=0
for tarball in "$images"/*.tar; do
  fn=$(basename "$tarball" .tar)
  [ "$fn" = taskline ] && continue
  port=$((port + 1))
  unpack "$tarball" "$work/$fn"
  run_in "$work/$fn/rootfs" PORT=$port DATABASE_URL="$DATABASE_URL" JWT_SECRET=smoke \
    KAFKA_BROKERS=127.0.0.1:1 SMTP_URL=smtp://127.0.0.1:1 >"$work/$fn.log" 2>&1 &
  pids+=($!)
  ok=""
  for _ in $(seq 1 50); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null &&
       curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then ok=1; break; fi
    sleep 0.1
  done
  if [ -n "$ok" ]; then
    echo "ok   $fn  (healthz, readyz on :$port as uid 65532)"
  else
    echo "FAIL $fn"; tail -5 "$work/$fn.log"; failed=1
  fi
done
exit $failed
