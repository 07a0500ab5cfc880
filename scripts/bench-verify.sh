#!/usr/bin/env bash
# Benchmark: what checking a commit's signature (repo.verify) costs per new commit, for SSH
# (Ed25519, ECDSA P-256, RSA 3072) and OpenPGP (Ed25519, an RSA 3072 signing subkey) signatures,
# against trust files the size of a team's (50 SSH keys, 5 OpenPGP keys). Commits are made by the
# real git, ssh-keygen and gpg in a temp directory; nothing else is touched. Prints markdown.
#
#   scripts/bench-verify.sh [RUNS]     (default 500 timed checks per kind, after a warm-up)
#
# Needs a build first (scripts/test.sh, or mvn -DskipTests install).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
driftless_find_jdk
driftless_run_test_main dev.driftless.reconciler.source.verify.VerifyBenchmark -- "${1:-500}"
