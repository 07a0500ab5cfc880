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
driftless_run_test_main dev.driftless.reconciler.plan.ScaleBenchmark -Xmx2g -- "${1:-20}" "${2:-100,1000,5000}"
