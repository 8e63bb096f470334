#!/usr/bin/env bash
# Writes a values file that pins every image of the chart to the digest build-push pushed
# for a commit, so the cluster runs exactly what was built, scanned and attested (a tag can
# be moved; a digest cannot).
#
#   deploy/resolve-digests.sh ghcr.io/<owner> <commit sha> > digests.yaml
#   helm upgrade ... -f digests.yaml
set -euo pipefail
registry=${1:?registry}; sha=${2:?commit sha}
root=$(cd "$(dirname "$0")/.." && pwd)
names=$(cd "$root/functions" && ls -d */ | tr -d /; echo taskline)
echo "image:"
echo "  digests:"
for n in $names; do
  [[ -f "$root/functions/$n/cmd/$n/main.go" || "$n" == taskline ]] || continue
  d=$(docker buildx imagetools inspect "$registry/$n:$sha" --format '{{json .Manifest}}' | jq -r .digest)
  [[ "$d" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "no digest for $registry/$n:$sha" >&2; exit 1; }
  echo "    $n: \"$d\""
done
