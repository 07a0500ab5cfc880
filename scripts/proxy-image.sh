#!/usr/bin/env bash
# Builds driftless/sample-proxy:haproxy, HAProxy from Debian bookworm on the local Debian base
# image (scripts/base-images.sh --debian), since no image can be pulled here. It stands in for
# the official haproxy image in the zero-downtime recipe (docs/zero-downtime.md) and its test:
# same config path (/usr/local/etc/haproxy/haproxy.cfg), same graceful stop signal (SIGUSR1).
# Rebuilt only when its recipe (this script, the base image) changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
driftless_ensure_docker

repo="driftless/sample-proxy"
base="$("$here/base-images.sh" --debian)"
recipe="$( (cat "$here/proxy-image.sh"; echo "$base") | sha256sum | cut -c1-12)"
tag="$repo:haproxy"
if [[ "$(docker image inspect --format '{{index .Config.Labels "dev.driftless.recipe"}}' "$tag" 2>/dev/null)" == "$recipe" ]]; then
  echo "$tag is up to date"
  exit 0
fi
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $base
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends haproxy >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /usr/local/etc/haproxy
STOPSIGNAL SIGUSR1
LABEL dev.driftless.sample=true dev.driftless.recipe=$recipe
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
DOCKERFILE
# Docker's legacy builder prints a deprecation notice on every build: show output only on failure.
if ! docker build --force-rm -q -t "$tag" "$ctx" >"$ctx/build.log" 2>&1; then
  cat "$ctx/build.log" >&2
  exit 1
fi
echo "built $tag ($(docker run --rm "$tag" haproxy -v | head -1))"
