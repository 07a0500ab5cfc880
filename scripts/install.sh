#!/usr/bin/env bash
# Installs the driftless daemon on this machine as a systemd service. Run as root, from a checkout
# (after `mvn -DskipTests package`) or from an unpacked copy holding the same files.
#
#   scripts/install.sh [--jar FILE] [--prefix DIR] [--no-start]
#
# It creates the system user and group driftless, installs the launcher and the jar under
# PREFIX (default /opt/driftless) with /usr/local/bin/driftless pointing at the launcher, makes
# /etc/driftless (0750 root:driftless), and installs /etc/systemd/system/driftless.service. When
# /etc/driftless/driftless.yaml exists it checks it as user driftless (driftless run --check) and
# enables and (re)starts the service, so running it again is an upgrade; otherwise it says what
# to write first. See docs/install.md.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

prefix=/opt/driftless
jar=""
start=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jar) jar="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "install.sh: $*" >&2; exit 1; }
[[ "$(id -u)" -eq 0 ]] || fail "run it as root (it creates a user and installs a systemd unit)"
command -v systemctl >/dev/null || fail "systemd's systemctl is not here; run the Docker image instead (docs/install.md)"
if [[ -z "$jar" ]]; then
  for candidate in "$root"/reconciler/target/driftless-[0-9]*.jar "$root"/lib/driftless-[0-9]*.jar; do
    [[ -f "$candidate" ]] && jar="$candidate"
  done
fi
[[ -n "$jar" && -f "$jar" ]] || fail "no driftless jar: build it with 'mvn -DskipTests package' or pass --jar FILE"
[[ "$prefix" = /* ]] || fail "--prefix must be an absolute path, got $prefix"
driftless_find_runtime >/dev/null || fail "no Java 21 or newer: install one (JAVA_HOME, or under /usr/lib/jvm) first"

getent group driftless >/dev/null || groupadd --system driftless
if ! getent passwd driftless >/dev/null; then
  useradd --system --gid driftless --home-dir /var/lib/driftless --no-create-home \
    --shell /usr/sbin/nologin --comment "driftless daemon" driftless
fi

install -d -m 0755 "$prefix/bin/lib" "$prefix/lib" "$prefix/docs"
install -m 0755 "$root/scripts/driftless" "$prefix/bin/driftless"
install -m 0644 "$root/scripts/lib/common.sh" "$prefix/bin/lib/common.sh"
rm -f "$prefix"/lib/driftless-[0-9]*.jar
install -m 0644 "$jar" "$prefix/lib/$(basename "$jar")"
install -m 0644 "$root/docs/install.md" "$prefix/docs/install.md"
ln -sfn "$prefix/bin/driftless" /usr/local/bin/driftless
install -d -m 0750 -o root -g driftless /etc/driftless
install -d -m 0700 -o driftless -g driftless /var/lib/driftless
sed "s|@PREFIX@|$prefix|g" "$root/packaging/driftless.service" > /etc/systemd/system/driftless.service
chmod 0644 /etc/systemd/system/driftless.service
systemctl daemon-reload

version="$("$prefix/bin/driftless" --version | head -1)"
echo "installed $version in $prefix (launcher: /usr/local/bin/driftless; unit: driftless.service)"
if [[ ! -f /etc/driftless/driftless.yaml ]]; then
  cat <<NEXT
next: write /etc/driftless/driftless.yaml (state-dir: /var/lib/driftless) and the key files it
names, readable by group driftless; then: systemctl enable --now driftless
NEXT
elif [[ "$start" -eq 1 ]]; then
  # As the service will run it: every key and secret file must be readable by user driftless.
  if ! runuser -u driftless -- "$prefix/bin/driftless" run --check --config /etc/driftless/driftless.yaml; then
    fail "driftless.service not (re)started: fix the above, then run this again (or: systemctl enable --now driftless)"
  fi
  systemctl enable --quiet driftless
  systemctl restart driftless
  echo "driftless.service enabled and (re)started: journalctl -u driftless -f"
fi
