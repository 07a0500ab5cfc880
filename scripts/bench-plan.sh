#!/usr/bin/env bash
# Benchmark: a no-op `driftless plan` over 1, 5 and 10 real test hosts, against the floor of a
# plain `ssh HOST docker ps` loop over the same hosts in the same run.
#
# It starts 10 test hosts (containers with systemd, sshd and dockerd), deploys two services on
# each (a web service with a secret and a health check, a worker) by running the daemon until it
# has applied the repo, records that rollout, the daemon's no-op drift reconciles and its memory
# after them (resident set, heap after a full GC, threads, open files; then the same of a second
# daemon that manages 1 host, so the cost of a host shows), stops the daemons, and then times,
# interleaved, for each size:
#   - `driftless plan` on a checkout (--repo DIR: files on disk), from a file:// git URL
#     (ls-remote against a cached clone), and on the checkout with a JVM class data sharing
#     archive; every one must exit 0 (no changes);
#   - the SSH connections the plan opened, and where its time went (its debug line);
#   - `ssh -i KEY -p PORT deploy@127.0.0.1 docker ps` over the same hosts, one after the other
#     and all at once, host keys pinned by a known_hosts file; the same with driftless's exact
#     observation command, and `ssh … true` one after the other (connection and login alone);
#   - `driftless validate` (JVM + model load, no SSH) and `driftless --version` (JVM start).
# The figures are printed as markdown (median, min–max over the runs).
#
#   scripts/bench-plan.sh [--runs N] [--quiet-wait S] [--out FILE] [--keep] [--no-daemon] [--systemd]
#                         [--daemon-java-opts OPTS] [--parallel-services N]
#
#   --runs N      timed repetitions of every measurement (default 5)
#   --parallel-services N  the daemon's apply.parallel-services for the rollout (default: the
#                 daemon's default, 4); 1 rolls the services out one after the other
#   --quiet-wait S  before each measurement, wait up to S seconds (default 60; 0: don't) for the
#                 machine to be quiet (CPU under 30 % busy over half a second), so that builds
#                 running beside the benchmark do not land in its figures; the report says how
#                 many measurements still started on a busy machine
#   --out FILE    also write the markdown report to FILE
#   --keep        keep the work directory (repos, keys, logs, raw figures) for inspection
#   --no-daemon   deploy, but do not wait for and report the daemon's no-op reconciles (nor its memory)
#   --daemon-java-opts OPTS  JVM options of the daemons (DRIFTLESS_JAVA_OPTS), e.g. "-Xmx64m" to
#                 see the rollout and drift checks work within that heap; plans are not affected
#   --systemd     also deploy a systemd service (python3's web server as a user unit of deploy,
#                 with an HTTP health check) on every host: plans and drift checks then observe
#                 Docker and systemd on each host (two listing commands per host)
#
# Hosts and network are labelled dev.driftless.bench=<run id> and removed at exit, also on
# failure or Ctrl-C. Leftovers of a killed run:
#   docker ps -aq --filter label=dev.driftless.bench | xargs -r docker rm -f
#   docker network ls -q --filter label=dev.driftless.bench | xargs -r docker network rm
# Needs Docker and the images of scripts/test-host-image.sh and scripts/sample-service-image.sh
# (built here when missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=lib/hosts.sh
source "$here/lib/hosts.sh"

runs=5
out=""
keep=false
daemon_bench=true
with_systemd=false
daemon_java_opts=""
parallel_services=""
quiet_wait=60
quiet_max_busy=30
sizes=(1 5 10)
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --out) out="${2:?--out needs a file}"; shift 2 ;;
    --quiet-wait) quiet_wait="${2:?--quiet-wait needs seconds}"; shift 2 ;;
    --keep) keep=true; shift ;;
    --no-daemon) daemon_bench=false; shift ;;
    --systemd) with_systemd=true; shift ;;
    --daemon-java-opts) daemon_java_opts="${2?--daemon-java-opts needs options}"; shift 2 ;;
    --parallel-services) parallel_services="${2:?--parallel-services needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-plan.sh: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-plan.sh: --runs must be a positive number" >&2; exit 1; }
[[ -z $parallel_services || $parallel_services =~ ^[1-9][0-9]*$ ]] ||
  { echo "bench-plan.sh: --parallel-services must be a positive number" >&2; exit 1; }
[[ $quiet_wait =~ ^[0-9]+$ ]] || { echo "bench-plan.sh: --quiet-wait must be a number of seconds" >&2; exit 1; }
if [[ -n $out ]]; then
  out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
fi
max_hosts="${sizes[-1]}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { echo "bench-plan.sh: $*" >&2; exit 1; }

driftless_find_jdk
driftless_ensure_docker

jar="$(ls "$root"/reconciler/target/driftless-[0-9]*.jar 2>/dev/null | head -1 || true)"
if [[ -z $jar ]] || [[ -n "$(find "$root"/pom.xml "$root"/model "$root"/secrets "$root"/reconciler \
      \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$jar" -print -quit)" ]]; then
  say "building driftless (mvn package)"
  (cd "$root" && driftless_mvn -B -q -ntp -DskipTests package)
fi
driftless="$root/scripts/driftless"
if ! docker image inspect driftless/test-host:latest >/dev/null 2>&1; then
  say "building the test host image"
  "$here/test-host-image.sh" >&2
fi
if ! docker image inspect driftless/sample-svc:1.0.0 >/dev/null 2>&1; then
  "$here/sample-service-image.sh" >&2
fi

work="$(mktemp -d /tmp/driftless-bench.XXXXXX)"
id="$(basename "$work" | sed 's/.*\.//' | tr 'A-Z' 'a-z')"
prefix="driftless-bench-$id"
label="dev.driftless.bench=$id"
network="$prefix"
daemon_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$daemon_pid" 2>/dev/null || true
  fi
  driftless_hosts_remove "$label" "$network"
  if $keep; then
    echo "work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

hosts=()
for i in $(seq 1 "$max_hosts"); do hosts+=("$(printf 'h%02d' "$i")"); done
container() { echo "$prefix-$1"; }
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

say "starting ${#hosts[@]} test hosts ($prefix-h01 …)"
driftless_hosts_network "$network" "$label"
for h in "${hosts[@]}"; do
  driftless_host_start "$(container "$h")" "$h" "$network" "$label"
done
driftless_hosts_wait "${hosts[@]/#/$prefix-}"

say "installing a deploy key, loading the sample service image into each host"
driftless_deploy_key "$work/id_ed25519" driftless-bench
pids=()
for h in "${hosts[@]}"; do
  driftless_host_authorize "$(container "$h")" "$work/id_ed25519.pub"
  driftless_host_load_image "$(container "$h")" driftless/sample-svc:1.0.0 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "loading the sample image into a host failed"; done
for h in "${hosts[@]}"; do driftless_known_hosts_line "$(container "$h")"; done >"$work/known_hosts"

say "writing the infra repos (1, 5 and 10 hosts; services web and worker on every host)"
bench_labels() { echo "{role: bench}"; }
write_repo() {
  local dir="$1" n="$2"
  mkdir -p "$dir/services" "$dir/secrets"
  cp "$root/examples/infra-repo/secrets/shop.yaml" "$dir/secrets/shop.yaml"
  {
    echo "# Benchmark inventory: $n test host(s), sshd on 127.0.0.1, host keys pinned."
    echo "defaults:"
    echo "  user: deploy"
    echo
    driftless_hosts_yaml "$prefix" bench_labels "${hosts[@]:0:$n}"
  } >"$dir/hosts.yaml"
  cat >"$dir/services/web.yaml" <<'EOF'
# An HTTP service with a secret and a health check on every host.
image: driftless/sample-svc:1.0.0
placement:
  selector: {role: bench}
ports: ["8080"]
env:
  MODE: http
  LOG_LEVEL: info
secrets:
  DB_PASSWORD: secrets/shop.yaml#db.password
resources: {memory: 64M}
health:
  http: {port: 8080, path: /healthz}
  interval: 1s
  timeout: 30s
rollout: {batch: 2, order: start-first}
EOF
  cat >"$dir/services/worker.yaml" <<'EOF'
# A background worker on every host: no ports, no health check (running counts as healthy).
image: driftless/sample-svc:1.0.0
placement:
  selector: {role: bench}
env:
  MODE: worker
  INTERVAL: "5"
resources: {memory: 32M}
restart: always
rollout: {batch: 5}
EOF
  if $with_systemd; then
    cat >"$dir/services/agent.yaml" <<'EOF'
# A systemd service on every host: python3's web server as a user unit of deploy.
runtime: systemd
command: [/usr/bin/python3, -m, http.server]
args: ["9100", --bind, 127.0.0.1, --directory, /usr/share/common-licenses]
placement:
  selector: {role: bench}
ports: ["9100"]
resources: {memory: 64M}
health:
  http: {port: 9100, path: /}
  interval: 1s
  timeout: 30s
rollout: {batch: 5}
EOF
  fi
  git -C "$dir" init -q -b main
  git -C "$dir" -c user.name=Bench -c user.email=bench@example.com add -A
  git -C "$dir" -c user.name=Bench -c user.email=bench@example.com commit -q -m "bench: $n host(s)"
}
age_key="$root/examples/keys/demo-age.txt"
for n in "${sizes[@]}"; do
  write_repo "$work/infra-$n" "$n"
  cat >"$work/plan-$n.yaml" <<EOF
repo:
  url: file://$work/infra-$n
  branch: main
ssh:
  key: $work/id_ed25519
secrets:
  age-key-file: $age_key
state-dir: $work/plan-state-$n
EOF
done
"$driftless" validate "$work/infra-$max_hosts" >/dev/null || fail "the benchmark repo is invalid"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# daemon_config FILE N PORT: a daemon of the N-host repo, metrics on PORT, its own state directory.
daemon_config() {
  cat >"$1" <<EOF
repo:
  url: $work/infra-$2
  branch: main
ssh:
  key: $work/id_ed25519
  connect-timeout: 5s
secrets:
  age-key-file: $age_key
state-dir: $work/daemon-state-$2
intervals:
  poll: 2s
  drift: 5s
  retry: 5s
metrics:
  listen: 127.0.0.1:$3
EOF
  if [[ -n $parallel_services ]]; then
    printf 'apply:\n  parallel-services: %s\n' "$parallel_services" >>"$1"
  fi
}
metrics_port="$(free_port)"
daemon_config "$work/daemon.yaml" "$max_hosts" "$metrics_port"

say "deploying: the daemon applies the repo to $max_hosts hosts (log: $work/daemon.log)"
DRIFTLESS_JAVA_OPTS="$daemon_java_opts" "$driftless" run --config "$work/daemon.yaml" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
deadline=$(( $(date +%s) + 300 ))
until "$driftless" history --config "$work/daemon.yaml" --format json 2>/dev/null >"$work/history.json" &&
      grep -q '"result" : "SUCCEEDED"' "$work/history.json"; do
  if (( $(date +%s) > deadline )) || ! kill -0 "$daemon_pid" 2>/dev/null; then
    tail -50 "$work/daemon.log" >&2
    fail "the deploy did not complete within 300 s; the daemon's log is above"
  fi
  sleep 2
done
rollout_ms="$(python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x["result"]=="SUCCEEDED"]; print(r[0]["durationMs"])' "$work/history.json")"
instances="$(docker exec "$(container h01)" docker ps -q --filter label=dev.driftless.managed=true | wc -l)"
(( instances == 2 )) || fail "expected 2 managed containers on h01 after the deploy, found $instances"
if $with_systemd; then
  units="$(docker exec "$(container h01)" find /home/deploy/.config/systemd/user -maxdepth 1 -name 'driftless-*.service' | wc -l)"
  (( units == 1 )) || fail "expected 1 driftless unit on h01 after the deploy, found $units"
fi

metric() { # metric NAME LABEL_FRAGMENT [PORT]: the first matching sample's value, or nothing
  curl -sf "http://127.0.0.1:${3:-$metrics_port}/metrics" | grep "^$1{" | grep -F "$2" | head -1 | awk '{print $NF}' || true
}
metric_sum() { # metric_sum NAME LABEL_FRAGMENT PORT: the sum of the matching samples, as an integer
  curl -sf "http://127.0.0.1:$3/metrics" | grep "^$1{" | grep -F "$2" | awk '{s += $NF} END {printf "%d", s}'
}
# await_drift_checks PORT LOG: waits for 4 no-op drift reconciles of the daemon on PORT.
await_drift_checks() {
  local count deadline=$(( $(date +%s) + 90 ))
  while :; do
    count="$(metric driftless_reconcile_seconds_count 'trigger="drift"' "$1")"
    [[ -n $count && ${count%.*} -ge 4 ]] && break
    (( $(date +%s) > deadline )) && fail "the daemon did not run 4 drift reconciles within 90 s; see $2"
    sleep 1
  done
  if curl -sf "http://127.0.0.1:$1/metrics" | grep '^driftless_reconcile_seconds_count{' |
      grep 'trigger="drift"' | grep -vq 'result="succeeded"'; then
    fail "a drift reconcile did not succeed; see $2"
  fi
}
# daemon_memory NAME PID PORT: the daemon's memory after a full GC (jcmd GC.run), written to
# $work/mem-NAME as "rss_kib hwm_kib heap_mib heap_committed_mib nonheap_mib threads open_files".
daemon_memory() {
  local pid="$2" port="$3" jcmd rss hwm
  jcmd="$(dirname "$(readlink -f "/proc/$pid/exe")")/jcmd"
  "$jcmd" "$pid" GC.run >/dev/null || fail "jcmd $pid GC.run failed"
  sleep 1 # the collection's figures reach the metrics a moment later
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
  hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"
  echo "$rss $hwm $(( $(metric_sum jvm_memory_used_bytes 'area="heap"' "$port") / 1048576 ))" \
    "$(( $(metric_sum jvm_memory_committed_bytes 'area="heap"' "$port") / 1048576 ))" \
    "$(( $(metric_sum jvm_memory_used_bytes 'area="nonheap"' "$port") / 1048576 ))" \
    "$(metric_sum jvm_threads_live_threads '' "$port")" "$(metric_sum process_files_open_files '' "$port")" \
    >"$work/mem-$1"
}
stop_daemon() { # stop_daemon PID: SIGTERM, and waits until it is gone
  kill "$1"
  for _ in $(seq 1 60); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.5; done
  fail "daemon $1 did not stop within 30 s"
}
raw="$work/raw"
mkdir -p "$raw"
drift_count=0 drift_sum=0 drift_max=0
if $daemon_bench; then
  say "waiting for 4 no-op drift reconciles (every 5 s)"
  await_drift_checks "$metrics_port" "$work/daemon.log"
  drift_count="$(metric driftless_reconcile_seconds_count 'trigger="drift"')"
  drift_count="${drift_count%.*}"
  drift_sum="$(metric driftless_reconcile_seconds_sum 'trigger="drift"')"
  drift_max="$(metric driftless_reconcile_seconds_max 'trigger="drift"')"
  say "measuring the daemon's memory after a full GC"
  daemon_memory "$max_hosts" "$daemon_pid" "$metrics_port"
fi
stop_daemon "$daemon_pid"
daemon_pid=""
accepted() { # accepted N: sshd "Accepted publickey" lines so far, summed over the first N hosts
  local h total=0 k
  for h in "${hosts[@]:0:$1}"; do
    k="$(docker exec "$(container "$h")" journalctl -u ssh -o cat --no-pager 2>/dev/null | grep -c 'Accepted publickey for deploy' || true)"
    total=$(( total + k ))
  done
  echo "$total"
}
# Nothing but the daemon has logged in so far: its logins over the rollout and the drift checks.
daemon_logins="$(accepted "$max_hosts")"
if $daemon_bench; then
  # The same daemon for host h01 alone (deployed already: a no-op), to see what a host costs.
  one_port="$(free_port)"
  daemon_config "$work/daemon-1.yaml" 1 "$one_port"
  say "a daemon of 1 host: 4 drift reconciles, then its memory (log: $work/daemon-1.log)"
  DRIFTLESS_JAVA_OPTS="$daemon_java_opts" "$driftless" run --config "$work/daemon-1.yaml" >"$work/daemon-1.log" 2>&1 &
  daemon_pid=$!
  await_drift_checks "$one_port" "$work/daemon-1.log"
  daemon_memory 1 "$daemon_pid" "$one_port"
  stop_daemon "$daemon_pid"
  daemon_pid=""
fi

# --- measurement helpers -------------------------------------------------------------------
now_us() { echo "${EPOCHREALTIME/./}"; }
record() { echo "$2" >>"$raw/$1"; }   # record SERIES VALUE
# jvm_timed SERIES OUT ERR COMMAND...: runs a driftless command, records its wall time (SERIES)
# and the CPU time (user + sys) it and its children used (SERIES-cpu); returns its exit status.
# CPU time is the steadier figure on a shared machine: waiting for a core does not count.
TIMEFORMAT='%3R %3U %3S'
jvm_timed() {
  local series="$1" stdout="$2" stderr="$3" rc=0 real user sys
  shift 3
  { time "$@" >"$stdout" 2>"$stderr"; } 2>"$work/time.txt" || rc=$?
  read -r real user sys <"$work/time.txt"
  record "$series" "$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 }')"
  record "$series-cpu" "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')"
  return "$rc"
}
# stats SERIES: "median min max" of the recorded values (integers).
stats() {
  sort -n "$raw/$1" | awk '{v[NR]=$1} END {
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
    printf "%d %d %d\n", m, v[1], v[NR] }'
}
median() { stats "$1" | cut -d' ' -f1; }

# plan MODE N: one no-op plan, timed; MODE dir (checkout), git (file:// URL via the config) or
# cds (checkout, the JVM using a class data sharing archive that the warm-up run wrote).
plan() {
  local mode="$1" n="$2" args=(plan --config "$work/plan-$n.yaml") rc=0 java_opts="${DRIFTLESS_JAVA_OPTS:-}"
  [[ $mode == git ]] || args+=(--repo "$work/infra-$n")
  [[ $mode == cds ]] && java_opts+=" -XX:SharedArchiveFile=$work/driftless-plan.jsa -XX:+AutoCreateSharedArchive"
  jvm_timed "plan-$mode-$n" "$work/plan.out" "$work/plan.err" \
    env DRIFTLESS_JAVA_OPTS="$java_opts" DRIFTLESS_LOG_LEVEL=DEBUG "$driftless" "${args[@]}" || rc=$?
  if (( rc != 0 )); then
    cat "$work/plan.out" "$work/plan.err" >&2
    fail "driftless ${args[*]} exited $rc, expected 0 (no changes)"
  fi
  local line
  line="$(grep -o 'plan: source .*' "$work/plan.err" | tail -1)" || fail "no 'plan:' debug line in the plan's stderr"
  # plan: source S ms, load L ms, SSH set-up U ms, observed H host(s) in O ms over C SSH connection(s)
  read -r s l u h o c < <(sed -E 's/plan: source ([0-9]+) ms, load ([0-9]+) ms, SSH set-up ([0-9]+) ms, observed ([0-9]+) host\(s\) in ([0-9]+) ms over ([0-9]+) SSH.*/\1 \2 \3 \4 \5 \6/' <<<"$line")
  [[ $h == "$n" ]] || fail "the plan observed $h hosts, expected $n"
  record "plan-$mode-$n-source" "$s"
  record "plan-$mode-$n-load" "$l"
  record "plan-$mode-$n-setup" "$u"
  record "plan-$mode-$n-observe" "$o"
  record "plan-$mode-$n-conns" "$c"
}

ssh_opts=(-F /dev/null -i "$work/id_ed25519" -o BatchMode=yes -o IdentitiesOnly=yes
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$work/known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o ConnectTimeout=5 -o LogLevel=ERROR)
observe_cmd="docker version --format '{{.Server.Version}}' && docker ps --all --quiet --no-trunc --filter label=dev.driftless.managed=true | xargs -r docker inspect --type container"
declare -A port
for h in "${hosts[@]}"; do port[$h]="$(driftless_host_port "$(container "$h")" 22)"; done

# floor KIND N CMD SERIES: ssh to the first N hosts, sequentially (seq) or all at once (par).
floor() {
  local kind="$1" n="$2" cmd="$3" series="$4" t0 t1 h pids=() p
  t0="$(now_us)"
  for h in "${hosts[@]:0:$n}"; do
    if [[ $kind == seq ]]; then
      ssh "${ssh_opts[@]}" -p "${port[$h]}" deploy@127.0.0.1 "$cmd" >/dev/null || fail "ssh to $h failed"
    else
      ssh "${ssh_opts[@]}" -p "${port[$h]}" deploy@127.0.0.1 "$cmd" >/dev/null &
      pids+=($!)
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || fail "a parallel ssh failed"; done
  t1="$(now_us)"
  record "$series" $(( (t1 - t0) / 1000 ))
}

cpu_busy() { # percent of all CPUs' time spent busy over the next half second
  local _ u n s i w q sq st u2 n2 s2 i2 w2 q2 sq2 st2 busy idle
  read -r _ u n s i w q sq st _ </proc/stat
  sleep 0.5
  read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ </proc/stat
  busy=$(( (u2 + n2 + s2 + q2 + sq2 + st2) - (u + n + s + q + sq + st) ))
  idle=$(( (i2 + w2) - (i + w) ))
  echo $(( 100 * busy / (busy + idle > 0 ? busy + idle : 1) ))
}
measurements=0 busy_starts=0 quiet_waited=0
quiet() { # waits (up to --quiet-wait) until the machine is quiet; counts the starts that were not
  local deadline=$(( SECONDS + quiet_wait )) b started=$SECONDS
  measurements=$(( measurements + 1 ))
  (( quiet_wait > 0 )) || return 0
  while b="$(cpu_busy)"; (( b > quiet_max_busy && SECONDS < deadline )); do :; done
  quiet_waited=$(( quiet_waited + SECONDS - started ))
  (( b <= quiet_max_busy )) || busy_starts=$(( busy_starts + 1 ))
}

timed() { # timed SERIES COMMAND...: wall and CPU time of a driftless command that must succeed
  local series="$1"
  shift
  jvm_timed "$series" /dev/null "$work/timed.err" "$@" || { cat "$work/timed.err" >&2; fail "$* failed"; }
}

# --- warm-up (not recorded): file caches, the plan's git cache clone, sshd's first logins --------
say "warming up (a plan per size and mode, one ssh per host)"
for n in "${sizes[@]}"; do
  plan dir "$n"
  plan git "$n"
  plan cds "$n"
done
floor seq "$max_hosts" "docker ps" warmup
rm -f "$raw"/*

# --- timed runs, interleaved so that background load hits every series alike -------------------
for r in $(seq 1 "$runs"); do
  say "run $r of $runs"
  quiet; timed version "$driftless" --version
  for n in "${sizes[@]}"; do
    quiet; timed "validate-$n" "$driftless" validate "$work/infra-$n"
    quiet; plan dir "$n"
    quiet; plan git "$n"
    quiet; plan cds "$n"
    quiet; floor seq "$n" true "ssh-seq-true-$n"
    quiet; floor seq "$n" "docker ps" "ssh-seq-ps-$n"
    quiet; floor par "$n" "docker ps" "ssh-par-ps-$n"
    quiet; floor seq "$n" "$observe_cmd" "ssh-seq-obs-$n"
    quiet; floor par "$n" "$observe_cmd" "ssh-par-obs-$n"
  done
done

say "counting sshd logins (journal) for one plan and one ssh loop per size"
declare -A journal_plan journal_ssh
raw="$work/raw-journal"   # these runs are counted, not timed
mkdir -p "$raw"
for n in "${sizes[@]}"; do
  a="$(accepted "$n")"; plan dir "$n"; b="$(accepted "$n")"
  journal_plan[$n]=$(( b - a ))
  floor seq "$n" "docker ps" journal-floor; c="$(accepted "$n")"
  journal_ssh[$n]=$(( c - b ))
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
raw="$work/raw"

# --- report ------------------------------------------------------------------------------------
fmt() { # fmt SERIES: "median (min–max)" in ms
  local m lo hi
  read -r m lo hi < <(stats "$1")
  echo "$m ($lo–$hi)"
}
per_host() { awk -v t="$(median "$1")" -v n="$2" 'BEGIN { printf "%d", t / n }'; }
marginal() { # marginal SERIES_PREFIX N: extra ms per host beyond the first, from the medians
  awk -v a="$(median "$1-1")" -v b="$(median "$1-$2")" -v n="$2" 'BEGIN { if (n > 1) printf "%d", (b - a) / (n - 1); else printf "–" }'
}
marginal_cpu() {
  awk -v a="$(median "plan-dir-1-cpu")" -v b="$(median "plan-dir-$1-cpu")" -v n="$1" 'BEGIN { if (n > 1) printf "%d", (b - a) / (n - 1); else printf "–" }'
}
conns() { cat "${@/#/$raw/}" | sort -nu | paste -sd/ -; }   # conns SERIES...: the distinct values
rest() { # rest MODE N: the plan's wall time not covered by its debug line (JVM start, close, print, exit)
  awk -v t="$(median "plan-$1-$2")" -v s="$(median "plan-$1-$2-source")" -v l="$(median "plan-$1-$2-load")" \
    -v u="$(median "plan-$1-$2-setup")" -v o="$(median "plan-$1-$2-observe")" 'BEGIN { printf "%d", t - s - l - u - o }'
}

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
mem="$(free -g | awk '/^Mem:/ {print $2}')"
java_version="$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
host_c="$(container h01)"
{
  echo "## \`driftless plan\` benchmark — $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) cores ($cpu), ${mem} GiB, kernel $(uname -r); load average $load_before before, $load_after after"
  echo "- driftless $("$driftless" --version 2>/dev/null | head -1) (commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- 2>/dev/null || echo ', with local changes')), $java_version"
  echo "- Docker $(docker version --format '{{.Server.Version}}') (outside); OpenSSH on the hosts: $(docker exec "$host_c" ssh -V 2>&1), Docker $(docker exec "$host_c" docker version --format '{{.Server.Version}}'); client $(ssh -V 2>&1)"
  echo "- $max_hosts test hosts, each running 2 managed containers (web with a SOPS secret and an HTTP health check, worker)$($with_systemd && echo " and 1 systemd user unit (agent, with an HTTP health check): Docker and systemd observed on each host"); ssh.parallelism 8 (default); $runs timed runs after a warm-up, interleaved; times in ms, median (min–max)"
  if (( quiet_wait > 0 )); then
    echo "- each measurement waited (up to ${quiet_wait} s; ${quiet_waited} s in all) for the CPUs to be under ${quiet_max_busy} % busy; $busy_starts of $measurements still started on a busier machine"
  else
    echo "- measurements did not wait for a quiet machine (--quiet-wait 0)"
  fi
  echo
  echo "### No-op \`driftless plan\` (exit 0)"
  echo
  echo "| hosts | plan, checkout (\`--repo DIR\`) | per host | each extra host | plan, git URL (\`file://\`) | plan, checkout, CDS archive | SSH connections opened | sshd logins (journal) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in "${sizes[@]}"; do
    echo "| $n | $(fmt "plan-dir-$n") | $(per_host "plan-dir-$n" "$n") | $(marginal plan-dir "$n") | $(fmt "plan-git-$n") | $(fmt "plan-cds-$n") | $(conns "plan-dir-$n-conns" "plan-git-$n-conns" "plan-cds-$n-conns") | ${journal_plan[$n]} |"
  done
  echo
  echo "CDS archive: \`DRIFTLESS_JAVA_OPTS=\"-XX:SharedArchiveFile=FILE -XX:+AutoCreateSharedArchive\"\`, written by the warm-up plan (not a driftless default)."
  echo
  echo "CPU time (user + sys) of the same plans, the launcher and the JVM included:"
  echo
  echo "| hosts | checkout | each extra host | git URL | checkout, CDS archive |"
  echo "|---:|---:|---:|---:|---:|"
  for n in "${sizes[@]}"; do
    echo "| $n | $(fmt "plan-dir-$n-cpu") | $(marginal_cpu "$n") | $(fmt "plan-git-$n-cpu") | $(fmt "plan-cds-$n-cpu") |"
  done
  echo
  echo "Inside the plan (its debug line; checkout / git URL):"
  echo
  echo "| hosts | config + source | load (model, SOPS decrypt, fingerprints) | SSH set-up (key, shared config) | observe (connect + command, all hosts) | rest: JVM start, closing connections, print, exit |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for n in "${sizes[@]}"; do
    echo "| $n | $(median "plan-dir-$n-source") / $(median "plan-git-$n-source") | $(median "plan-dir-$n-load") / $(median "plan-git-$n-load") | $(median "plan-dir-$n-setup") / $(median "plan-git-$n-setup") | $(median "plan-dir-$n-observe") / $(median "plan-git-$n-observe") | $(rest dir "$n") / $(rest git "$n") |"
  done
  echo
  echo "### The floor: OpenSSH client, one new connection per host"
  echo
  echo "| hosts | \`ssh … true\` sequential | \`ssh … docker ps\` sequential | parallel | observe command sequential | parallel | sshd logins (journal) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  for n in "${sizes[@]}"; do
    echo "| $n | $(fmt "ssh-seq-true-$n") | $(fmt "ssh-seq-ps-$n") | $(fmt "ssh-par-ps-$n") | $(fmt "ssh-seq-obs-$n") | $(fmt "ssh-par-obs-$n") | ${journal_ssh[$n]} |"
  done
  echo
  echo "The observe command is driftless's own: \`$observe_cmd\`."
  echo
  echo "### JVM and model alone"
  echo
  echo "| what | wall | CPU |"
  echo "|---|---:|---:|"
  echo "| \`driftless --version\` (launcher, JVM start, logging set-up, picocli) | $(fmt version) | $(fmt version-cpu) |"
  for n in "${sizes[@]}"; do
    echo "| \`driftless validate\`, $n host(s) (the same + model load; no secrets, no SSH) | $(fmt "validate-$n") | $(fmt "validate-$n-cpu") |"
  done
  if $daemon_bench; then
    echo
    echo "### Daemon"
    echo
    echo "| what | figure |"
    echo "|---|---:|"
    echo "| first rollout: 2 services × $max_hosts hosts = $(( 2 * max_hosts )) containers created (web batch 2 start-first with HTTP gate, worker batch 5)$($with_systemd && echo ", and $max_hosts units (agent batch 5, HTTP gate)"), history duration, apply.parallel-services ${parallel_services:-4 (default)} | $rollout_ms ms |"
    awk -v c="$drift_count" -v s="$drift_sum" -v m="$drift_max" 'BEGIN {
      printf "| no-op drift reconcile over %d hosts (warm JVM, connections reused): mean of %d (driftless_reconcile_seconds) | %d ms (max %d ms) |\n", '"$max_hosts"', c, s * 1000 / c, m * 1000 }'
    echo "| sshd logins from the daemon over the rollout and $drift_count drift reconciles (journal) | $daemon_logins |"
    echo
    echo "### Daemon memory"
    echo
    echo "After 4 no-op drift reconciles and a full GC (\`jcmd PID GC.run\`); JVM options: \`${daemon_java_opts:-none}\`."
    echo
    echo "| hosts managed | resident set | peak resident set | heap used | heap committed | non-heap used | threads | open files |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in 1 "$max_hosts"; do
      read -r rss hwm heap committed nonheap threads files <"$work/mem-$n"
      echo "| $n | $(( rss / 1024 )) MiB | $(( hwm / 1024 )) MiB | $heap MiB | $committed MiB | $nonheap MiB | $threads | $files |"
    done
  fi
} >"$work/report.md"

cat "$work/report.md"
if [[ -n $out ]]; then
  cp "$work/report.md" "$out"
  echo "report written to $out" >&2
fi
