#!/usr/bin/env bash
# Builds the local base images the daemon's Dockerfile starts FROM, since no image can be pulled
# here:
#   driftless/debian:bookworm   debootstrap --variant=minbase + ca-certificates, docker import
#   driftless/jre:<major>       the above + a jlink'ed Java runtime made from the local JDK >= 21
#   driftless/jdk-build:<major> the above + the full local JDK + Apache Maven (from Maven Central)
# Each is rebuilt only when its recipe (this script, the JDK, the Maven version) changed.
#
#   scripts/base-images.sh            build what is missing, print the build args for Dockerfile
#   scripts/base-images.sh --debian   build only the Debian base if missing, print its tag
set -euo pipefail
debian_only=no
[[ "${1:-}" == "--debian" ]] && debian_only=yes

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
driftless_find_jdk

maven_version=3.9.11
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
major="$(driftless_java_major "$JAVA_HOME")"
recipe="$( (cat "$here/base-images.sh"; echo "$JAVA_HOME"; "$JAVA_HOME/bin/java" -version 2>&1) | sha256sum | cut -c1-12)"

debian="driftless/debian:bookworm-$recipe"
jre="driftless/jre:$major-$recipe"
jdk="driftless/jdk-build:$major-$recipe"

have() { docker image inspect "$1" >/dev/null 2>&1; }

# Docker's legacy builder prints a deprecation notice on every build: show output only on failure.
quiet_build() {
  local log
  log="$(mktemp)"
  if ! docker build "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

work="$(mktemp -d /tmp/driftless-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if ! have "$debian"; then
  echo "building $debian (debootstrap, about a minute)…" >&2
  debootstrap --variant=minbase --include=ca-certificates,tzdata bookworm "$work/rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || { tail -40 "$work/debootstrap.log" >&2; exit 1; }
  chroot "$work/rootfs" /bin/sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*'
  tar -C "$work/rootfs" --numeric-owner -c . | docker import -c 'CMD ["/bin/bash"]' - "$debian" >/dev/null
  rm -rf "$work/rootfs"
fi
if [[ $debian_only == yes ]]; then
  echo "$debian"
  exit 0
fi

if ! have "$jre"; then
  echo "building $jre (jlink from $JAVA_HOME)…" >&2
  mkdir -p "$work/jre"
  # java.desktop: Quartz and JGit use java.beans; jdk.crypto.ec, jdk.crypto.cryptoki: SSH and TLS.
  "$JAVA_HOME/bin/jlink" --output "$work/jre/runtime" --strip-debug --no-man-pages --no-header-files \
    --add-modules java.base,java.compiler,java.datatransfer,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.net,jdk.unsupported,jdk.zipfs,jdk.management,jdk.jfr,jdk.localedata
  cat >"$work/jre/Dockerfile" <<EOF
FROM $debian
COPY runtime /opt/java
ENV JAVA_HOME=/opt/java PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
  quiet_build -t "$jre" "$work/jre"
fi

if ! have "$jdk"; then
  echo "building $jdk (local JDK + Maven $maven_version)…" >&2
  mkdir -p "$work/jdk"
  # -L: Debian-packaged JDKs link lib/security/cacerts into /etc/ssl; the image needs the file.
  cp -aL "$JAVA_HOME/." "$work/jdk/jdk"
  curl -fsSL "https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/$maven_version/apache-maven-$maven_version-bin.tar.gz" \
    -o "$work/jdk/maven.tar.gz"
  mkdir "$work/jdk/maven" && tar -C "$work/jdk/maven" --strip-components=1 -xzf "$work/jdk/maven.tar.gz"
  rm "$work/jdk/maven.tar.gz"
  cat >"$work/jdk/Dockerfile" <<EOF
FROM $debian
COPY jdk /opt/java
COPY maven /opt/maven
ENV JAVA_HOME=/opt/java PATH=/opt/java/bin:/opt/maven/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
  quiet_build -t "$jdk" "$work/jdk"
fi

docker tag "$jre" "driftless/jre:latest"
docker tag "$jdk" "driftless/jdk-build:latest"
echo "--build-arg BUILD_IMAGE=$jdk --build-arg RUNTIME_IMAGE=$jre"
