#!/usr/bin/env bash
# Builds driftless/test-host: a Debian image with systemd as PID 1, sshd, dockerd (vfs),
# docker-registry and git — the "real host" that integration tests, the demo and the benchmarks
# run against. Nothing is pulled from an image registry: the root filesystem comes from Debian
# packages (debootstrap) and is turned into an image with `docker import`.
#
# Debian bookworm by default (driftless/test-host:latest); `--suite trixie` builds the current
# stable's host (systemd 257, Docker 26, OpenSSH 10) as driftless/test-host:trixie, which the
# integration tests of the runtimes also run against (docs/testing.md).
#
# The image is tagged with a hash of its recipe (this script, the suite and scripts/test-host/),
# so it is rebuilt only when the recipe changes; `driftless/test-host:latest` (`:trixie`) always
# points at the current recipe's image.
#
#   scripts/test-host-image.sh [--suite bookworm|trixie]          build if the recipe changed, else only re-tag
#   scripts/test-host-image.sh [--suite bookworm|trixie] --print  print the tag of the current recipe and exit
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="driftless/test-host"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
print=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --suite) suite="${2:-}"; shift 2 ;;
    --print) print=1; shift ;;
    *) echo "test-host-image.sh: unknown argument $1 (--suite bookworm|trixie, --print)" >&2; exit 2 ;;
  esac
done
packages=(
  systemd systemd-sysv dbus libpam-systemd openssh-server docker.io docker-registry git
  curl python3 iproute2 iptables ca-certificates procps less sudo
)
case "$suite" in
  bookworm) name_prefix=""; latest=latest ;;
  # From trixie on, the docker command is a package of its own (docker.io only recommends it).
  trixie) name_prefix="trixie-"; latest=trixie; packages+=(docker-cli) ;;
  *) echo "test-host-image.sh: suite $suite is not one of bookworm, trixie" >&2; exit 2 ;;
esac

recipe_hash() {
  { cat "$here/test-host-image.sh" $(find "$here/test-host" -type f | LC_ALL=C sort); echo "$suite"; } \
    | sha256sum | cut -c1-16
}

tag="$repo:$name_prefix$(recipe_hash)"
if [[ "$print" -eq 1 ]]; then
  echo "$tag"
  exit 0
fi

if docker image inspect "$tag" >/dev/null 2>&1; then
  docker tag "$tag" "$repo:$latest"
  echo "test-host image up to date: $tag"
  exit 0
fi

command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

work="$(mktemp -d /tmp/driftless-test-host.XXXXXX)"
trap 'umount -l "$work/rootfs/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "debootstrap $suite into $rootfs (takes one to three minutes)…"
started=$(date +%s)
debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
  "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -40 "$work/debootstrap.log" >&2
  echo "debootstrap failed; full log above" >&2
  exit 1
}

# Configuration lives in scripts/test-host/rootfs and is copied over the root filesystem.
cp -a "$here/test-host/rootfs/." "$rootfs/"
chroot "$rootfs" /bin/bash -euo pipefail -c '
  useradd --create-home --shell /bin/bash --groups docker deploy
  passwd --lock deploy >/dev/null
  install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh
  # Every container gets its own host keys at first boot (test-host-keys.service), so a
  # test can tell two hosts apart by key: none are baked into the image.
  rm -f /etc/ssh/ssh_host_*
  systemctl enable test-host-keys.service ssh.service docker.service >/dev/null
  systemctl disable docker-registry.service >/dev/null 2>&1 || true
  # The systemd user manager of deploy runs from boot (lingering), as on a host prepared for
  # systemd services: driftless installs them as user units (see docs/ssh.md); services that
  # name a user become system units, installed with sudo (etc/sudoers.d/deploy).
  chmod 0440 /etc/sudoers.d/deploy
  chown root:root /etc/sudoers.d/deploy
  install -d -m 0755 /var/lib/systemd/linger
  touch /var/lib/systemd/linger/deploy
  # Units that make no sense in a container, or wait for hardware that is not there.
  systemctl mask getty@tty1.service console-getty.service systemd-udevd.service \
    systemd-udev-trigger.service systemd-resolved.service \
    systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer fstrim.timer >/dev/null 2>&1 || true
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*
  truncate -s 0 /etc/machine-id
'

echo "importing $tag"
tar -C "$rootfs" --numeric-owner -c . | docker import \
  -c 'CMD ["/sbin/init"]' \
  -c 'ENV container=docker' \
  -c "LABEL dev.driftless.recipe=$(recipe_hash)" \
  - "$tag" >/dev/null
docker tag "$tag" "$repo:$latest"
echo "built $tag in $(( $(date +%s) - started ))s"
