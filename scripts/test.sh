#!/usr/bin/env bash
# The test command (README, .ci/run): unit tests, integration tests against real test hosts
# (systemd + sshd + dockerd containers), then the daemon image build and its smoke test.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dit.test=TestHostsIT
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
driftless_find_jdk
driftless_ensure_docker

remove_test_leftovers() {
  docker ps -aq --filter label=dev.driftless.test | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network ls -q --filter label=dev.driftless.test | xargs -r docker network rm >/dev/null 2>&1 || true
}
# A test JVM killed mid-run cannot clean up (Ryuk is off): remove what it left, now and at exit.
remove_test_leftovers
trap remove_test_leftovers EXIT

# The trixie host (needed last, by the runtimes' second run) builds beside the others: both
# debootstraps mostly wait on the mirror.
trixie_log="$(mktemp /tmp/driftless-trixie-host.XXXXXX)"
"$here/test-host-image.sh" --suite trixie >"$trixie_log" 2>&1 &
trixie_build=$!
"$here/test-host-image.sh"
"$here/sample-service-image.sh"
"$here/proxy-image.sh"
if ! wait "$trixie_build"; then
  cat "$trixie_log" >&2
  echo "building the trixie test host failed" >&2
  exit 1
fi
tail -1 "$trixie_log"
rm -f "$trixie_log"
echo "JDK: $JAVA_HOME"
driftless_mvn -B -ntp verify "$@"
"$here/docker-image.sh"
