# Shared by the scripts in scripts/ and by .ci/run: source it, don't run it.

# Prints the major version of the java at $1/bin/java, or nothing. The JDK's release file answers
# without starting a JVM (about 0.1 s saved on every driftless command); java itself otherwise.
driftless_java_major() {
  local v=""
  if [[ -f "$1/release" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9][0-9]*\).*/\1/p' "$1/release" | head -1)"
  fi
  if [[ -z "$v" ]]; then
    v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  fi
  v="${v#1.}"
  echo "${v%%.*}"
}

# Sets JAVA_HOME to a Java >= 21 that has bin/$1 (javac: a JDK; java: a JRE will do): JAVA_HOME
# if it qualifies, else the newest under /usr/lib/jvm. $2 names what is needed, for the message.
driftless_find_java_with() {
  local tool="$1" what="$2" candidate major best="" best_major=0
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/$tool" ]]; then
    major="$(driftless_java_major "$JAVA_HOME")"
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      export JAVA_HOME
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/*/; do
    candidate="${candidate%/}"
    [[ -x "$candidate/bin/$tool" && ! -L "$candidate" ]] || continue
    major="$(driftless_java_major "$candidate")"
    if [[ -n "$major" && "$major" -ge 21 && "$major" -gt "$best_major" ]]; then
      best="$candidate"; best_major="$major"
    fi
  done
  if [[ -z "$best" ]]; then
    echo "driftless needs $what: set JAVA_HOME, or install one under /usr/lib/jvm" >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

# A JDK >= 21, to build with.
driftless_find_jdk() {
  driftless_find_java_with javac "a JDK 21 or newer"
}

# A Java >= 21 to run driftless (the launcher, install.sh): a JRE will do.
driftless_find_runtime() {
  driftless_find_java_with java "Java 21 or newer"
}

# Starts dockerd when no engine answers, and waits for it (up to 60 s).
driftless_ensure_docker() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  command -v dockerd >/dev/null || { echo "dockerd is missing (apt-get install docker.io)" >&2; return 1; }
  echo "starting dockerd (log: /tmp/dockerd.log)" >&2
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "dockerd did not come up within 60s; see /tmp/dockerd.log" >&2
  return 1
}

# Maven on the chosen JDK, quiet about the JDK's warnings on Maven's own libraries.
driftless_mvn() {
  local opts="${MAVEN_OPTS:-}"
  if [[ "$(driftless_java_major "$JAVA_HOME")" -ge 24 ]]; then
    opts="$opts --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
  fi
  MAVEN_OPTS="$opts" mvn "$@"
}

# Runs a class of the reconciler's tests (a benchmark's main) with its test classpath:
#   driftless_run_test_main CLASS [JVM-OPTION...] -- [ARG...]
# Needs a build first (scripts/test.sh, or mvn -DskipTests install) and driftless_find_jdk.
driftless_run_test_main() {
  local main=$1; shift
  local jvm=()
  while [[ $# -gt 0 && $1 != -- ]]; do jvm+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  local cp_file
  cp_file=$(mktemp)
  driftless_mvn -B -q -pl reconciler org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
  local cp
  cp="reconciler/target/test-classes:reconciler/target/classes:$(cat "$cp_file")"
  rm -f "$cp_file"
  "$JAVA_HOME/bin/java" "${jvm[@]}" -cp "$cp" "$main" "$@"
}
