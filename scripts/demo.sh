#!/usr/bin/env bash
# The driftless quickstart: three hosts and a registry (containers with systemd, sshd and their
# own dockerd), a local infra repo made from examples/infra-repo, and the daemon following it.
# It waits for the first deploy, prints what driftless sees, and the commits to make next.
#
#   scripts/demo.sh          start (or restart) the demo
#   scripts/demo.sh down     stop the daemon and remove the demo hosts, network and files
#
# Needs Docker (dockerd is started if it is not running) and debootstrap (the host image is built
# from Debian packages the first time, about 90 s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

demo="${DRIFTLESS_DEMO_DIR:-/tmp/driftless-demo}"
network=driftless-demo
label=dev.driftless.demo
hosts=(app-1 app-2 db-1)
metrics_port="${DRIFTLESS_DEMO_METRICS_PORT:-19464}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

down() {
  if [[ -f "$demo/daemon.pid" ]] && kill -0 "$(cat "$demo/daemon.pid")" 2>/dev/null; then
    kill "$(cat "$demo/daemon.pid")" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$(cat "$demo/daemon.pid")" 2>/dev/null || break; sleep 0.5; done
  fi
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network rm "$network" >/dev/null 2>&1 || true
  rm -rf "$demo"
}

if [[ "${1:-up}" == "down" ]]; then
  driftless_ensure_docker
  down
  echo "demo removed"
  exit 0
fi

driftless_find_jdk
driftless_ensure_docker
say "removing an earlier demo, if any"
down
mkdir -p "$demo"

say "building driftless (mvn package)"
(cd "$root" && driftless_mvn -B -q -ntp -DskipTests package)
driftless="$root/scripts/driftless"

say "building images: test host (Debian, systemd, sshd, dockerd) and the sample service"
"$here/test-host-image.sh"
"$here/sample-service-image.sh" >/dev/null

say "starting hosts ${hosts[*]} and a registry"
docker network create --label "$label=true" "$network" >/dev/null
for h in "${hosts[@]}" registry; do
  extra=()
  [[ $h == registry ]] && extra=(-p 127.0.0.1::5000)
  docker run -d --name "driftless-demo-$h" --hostname "$h" --network "$network" --network-alias "$h" \
    --label "$label=true" --cap-add SYS_ADMIN --cap-add NET_ADMIN \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
    -p 127.0.0.1::22 "${extra[@]}" driftless/test-host:latest >/dev/null
done
for h in "${hosts[@]}" registry; do
  for _ in $(seq 1 120); do
    [[ "$(docker exec "driftless-demo-$h" systemctl is-active ssh 2>/dev/null)" == active &&
       "$(docker exec "driftless-demo-$h" systemctl is-active docker 2>/dev/null)" == active ]] && break
    sleep 0.5
  done
done

say "installing driftless's SSH key for user deploy; reading each host's own host key"
ssh-keygen -q -t ed25519 -N '' -C driftless-demo -f "$demo/id_ed25519"
for h in "${hosts[@]}"; do
  docker exec -i "driftless-demo-$h" sh -c 'cat > /home/deploy/.ssh/authorized_keys && chown deploy: /home/deploy/.ssh/authorized_keys && chmod 600 /home/deploy/.ssh/authorized_keys' <"$demo/id_ed25519.pub"
done
port_of() { docker port "driftless-demo-$1" "$2" | head -1 | sed 's/.*://'; }
hostkey_of() { docker exec "driftless-demo-$1" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub; }

say "pushing the service images into the registry (registry:5000 as the hosts see it)"
docker exec driftless-demo-registry systemctl start docker-registry
reg="127.0.0.1:$(port_of registry 5000)"
for _ in $(seq 1 60); do curl -sf "http://$reg/v2/" >/dev/null && break; sleep 0.5; done
push() { docker tag "driftless/sample-svc:$2" "$reg/shop/$1:$2" && docker push -q "$reg/shop/$1:$2" >/dev/null; }
push api 1.0.0; push api 1.1.0; push api 1.2.0; push worker 1.0.0; push store 1.0.0

say "creating the infra repo $demo/infra from examples/infra-repo"
cp -r "$root/examples/infra-repo" "$demo/infra"
{
  echo "# The demo's inventory: each host's sshd is published on 127.0.0.1, and its own host key"
  echo "# is pinned here (driftless never trusts a key on first use)."
  echo "defaults:"
  echo "  user: deploy"
  echo
  echo "hosts:"
  for h in "${hosts[@]}"; do
    case $h in app-1) labels="{role: app, zone: a}" ;; app-2) labels="{role: app, zone: b}" ;; *) labels="{role: db, zone: a}" ;; esac
    echo "  $h:"
    echo "    address: 127.0.0.1"
    echo "    port: $(port_of "$h" 22)"
    echo "    host-key: \"$(hostkey_of "$h")\""
    echo "    labels: $labels"
  done
} >"$demo/infra/hosts.yaml"
git -C "$demo/infra" init -q -b main
git -C "$demo/infra" -c user.name="Demo Engineer" -c user.email=demo@example.com add -A
git -C "$demo/infra" -c user.name="Demo Engineer" -c user.email=demo@example.com commit -q -m "Initial desired state: api, worker and store"

cat >"$demo/driftless.yaml" <<EOF
# The demo daemon's configuration (every key: docs/configuration.md).
repo:
  url: $demo/infra
  branch: main
ssh:
  key: $demo/id_ed25519
  connect-timeout: 5s
secrets:
  age-key-file: $root/examples/keys/demo-age.txt
state-dir: $demo/state
intervals:
  poll: 3s
  drift: 20s
  retry: 10s
metrics:
  listen: 127.0.0.1:$metrics_port
EOF

say "starting the daemon (log: $demo/daemon.log)"
nohup "$driftless" run --config "$demo/driftless.yaml" >"$demo/daemon.log" 2>&1 &
echo $! >"$demo/daemon.pid"

say "waiting for the first deploy"
deadline=$(( $(date +%s) + 240 ))
until "$driftless" history --config "$demo/driftless.yaml" --format json 2>/dev/null | grep -q '"result" : "SUCCEEDED"'; do
  if (( $(date +%s) > deadline )) || ! kill -0 "$(cat "$demo/daemon.pid")" 2>/dev/null; then
    echo "the first deploy did not complete; the daemon's log:" >&2
    tail -50 "$demo/daemon.log" >&2
    exit 1
  fi
  sleep 2
done

say "what driftless sees"
"$driftless" status --config "$demo/driftless.yaml" || true
echo
"$driftless" history --config "$demo/driftless.yaml"

cat <<EOF

The daemon follows $demo/infra (branch main): every commit there is a deploy.
Watch it work:   tail -f $demo/daemon.log
Metrics:         curl -s http://127.0.0.1:$metrics_port/metrics | grep ^driftless

Try these, one at a time, and look at \`$driftless status --config $demo/driftless.yaml\`
and \`$driftless history --config $demo/driftless.yaml -v\` after each:

  cd $demo/infra
  export DL="$driftless" CFG=$demo/driftless.yaml

  # 1. A deploy: api 1.0.0 -> 1.1.0, one host at a time, each gated on /healthz
  sed -i 's/api:1.0.0/api:1.1.0/' services/api.yaml && git commit -qam "api 1.1.0" && \$DL plan --config \$CFG

  # 2. A broken release: 1.2.0 has no /healthz, so the first host fails its gate and is rolled back;
  #    the commit is marked failed and not retried
  sed -i 's/api:1.1.0/api:1.2.0/' services/api.yaml && git commit -qam "api 1.2.0"

  # 3. Roll back the GitOps way: revert the commit (history records the return to the earlier state)
  git revert --no-edit HEAD

  # 4. Drift: remove a container by hand; the next drift check (20 s) recreates it
  docker exec driftless-demo-app-1 sh -c 'docker rm -f \$(docker ps -q --filter label=dev.driftless.service=worker)'

Remove everything with: scripts/demo.sh down
EOF
