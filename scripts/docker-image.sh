#!/usr/bin/env bash
# Builds the daemon image driftless/driftless:<version> from Dockerfile on locally made base
# images (scripts/base-images.sh), then smoke-tests it: `driftless --version` must run in it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
driftless_ensure_docker

read -r -a build_args <<<"$("$here/base-images.sh")"
version="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)"
tag="driftless/driftless:$version"
log="$(mktemp)"
started=$(date +%s)
# --force-rm: a failed build leaves no intermediate containers behind either.
if ! docker build --force-rm "${build_args[@]}" -t "$tag" . >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"
out="$(docker run --rm "$tag" --version)"
echo "$out" | grep -q "driftless $version" || { echo "unexpected output: $out" >&2; exit 1; }
echo "built $tag in $(( $(date +%s) - started ))s; it reports: $(echo "$out" | head -1)"
