#!/usr/bin/env bash
# Benchmark: what the daemon's own work costs for estates of hundreds to thousands of hosts,
# everything but SSH: loading and validating a generated repo (20 services over 10 roles of
# hosts), planning against a converged and a 5 %-drifted observation, printing the plan, and the
# heap that the desired state and the observation hold. No host, container or network is used.
# Prints markdown.
#
#   scripts/bench-scale.sh [RUNS] [SIZES]    (default 20 timed rounds after a warm-up; 100,1000,5000 hosts)
#
# Needs a build first (scripts/test.sh, or mvn -DskipTests install).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
driftless_find_jdk
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
driftless_mvn -B -q -pl reconciler org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file" >/dev/null
"$JAVA_HOME/bin/java" -Xmx2g -cp "reconciler/target/test-classes:reconciler/target/classes:$(cat "$cp_file")" \
  dev.driftless.reconciler.plan.ScaleBenchmark "${1:-20}" "${2:-100,1000,5000}"
