#!/usr/bin/env bash
# Builds driftless/sample-svc:<version>: a ~1 MB service image made from Debian's busybox-static
# (FROM scratch, so nothing is pulled). Tests, the demo and the benchmarks deploy it.
#
# What a container of it does, by MODE:
#   MODE=http (default)  busybox httpd on $PORT (8080): /healthz answers "ok", /version the version
#   MODE=worker          a loop that logs a heartbeat every $INTERVAL seconds (5)
#   MODE=store           httpd serving /data (mount a volume there) plus /healthz
#   START_DELAY=N        start listening only after N seconds, as a slow application would
# An image built with --unhealthy has no /healthz, so every health gate on it fails: that is the
# "broken release" of the rollback tests and the demo.
#
#   scripts/sample-service-image.sh                      1.0.0, 1.1.0 and 1.2.0 (unhealthy)
#   scripts/sample-service-image.sh 2.0.0 [--unhealthy]  one version
set -euo pipefail

repo="driftless/sample-svc"
cache="${DRIFTLESS_CACHE:-$HOME/.cache/driftless}"

busybox_binary() {
  local deb_dir="$cache/busybox-static"
  if [[ ! -x "$deb_dir/bin/busybox" ]]; then
    mkdir -p "$deb_dir"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download busybox-static >/dev/null 2>&1) || {
      apt-get update -qq >/dev/null && (cd "$tmp" && apt-get download busybox-static >/dev/null 2>&1)
    }
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
    install -m 0755 "$tmp/x/bin/busybox" "$deb_dir/bin/busybox" -D
    rm -rf "$tmp"
  fi
  echo "$deb_dir/bin/busybox"
}

build() {
  local version="$1" healthy="$2" ctx
  ctx="$(mktemp -d)"
  cp "$(busybox_binary)" "$ctx/busybox"
  cat >"$ctx/start" <<'SH'
#!/bin/busybox sh
# Entry point of the sample service; see scripts/sample-service-image.sh.
/bin/busybox --install -s /bin
mkdir -p /www
echo "$SVC_VERSION" >/www/version
if [ "$SVC_HEALTHY" = "yes" ]; then echo ok >/www/healthz; fi
echo "sample-svc $SVC_VERSION starting, mode ${MODE:-http}"
# PID 1 gets no default signal handling: stop on SIGTERM like a real service would.
trap 'kill $child 2>/dev/null; exit 0' TERM INT
# A slow start, like a real application's: nothing listens for START_DELAY seconds.
if [ -n "$START_DELAY" ]; then sleep "$START_DELAY" & child=$!; wait $child; fi
case "${MODE:-http}" in
  worker)
    while true; do echo "worker $SVC_VERSION heartbeat"; sleep "${INTERVAL:-5}" & child=$!; wait $child; done ;;
  store)
    mkdir -p /data && cp /www/version /www/healthz /data/ 2>/dev/null
    httpd -f -v -p "${PORT:-8080}" -h /data & child=$! ;;
  *)
    httpd -f -v -p "${PORT:-8080}" -h /www & child=$! ;;
esac
wait $child
SH
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY busybox /bin/busybox
COPY start /start
ENV SVC_VERSION=$version SVC_HEALTHY=$healthy PATH=/bin
LABEL org.opencontainers.image.version=$version dev.driftless.sample=true
EXPOSE 8080
ENTRYPOINT ["/bin/busybox", "sh", "/start"]
DOCKERFILE
  # Docker's legacy builder prints a deprecation notice on every build: show output only on failure.
  if ! docker build -q -t "$repo:$version" "$ctx" >"$ctx/build.log" 2>&1; then
    cat "$ctx/build.log" >&2
    rm -rf "$ctx"
    return 1
  fi
  rm -rf "$ctx"
  echo "built $repo:$version$([[ $healthy == yes ]] || echo ' (unhealthy)')"
}

if [[ $# -eq 0 ]]; then
  build 1.0.0 yes
  build 1.1.0 yes
  build 1.2.0 no
else
  healthy=yes
  [[ "${2:-}" == "--unhealthy" ]] && healthy=no
  build "$1" "$healthy"
fi
