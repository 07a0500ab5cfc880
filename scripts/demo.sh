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
# shellcheck source=lib/hosts.sh
source "$here/lib/hosts.sh"

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
  driftless_hosts_remove "$label" "$network"
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
driftless_hosts_network "$network" "$label"
for h in "${hosts[@]}"; do
  driftless_host_start "driftless-demo-$h" "$h" "$network" "$label"
done
driftless_registry_start driftless-demo-registry "$network" "$label"
driftless_hosts_wait "${hosts[@]/#/driftless-demo-}" driftless-demo-registry

say "installing driftless's SSH key for user deploy; reading each host's own host key"
driftless_deploy_key "$demo/id_ed25519" driftless-demo
for h in "${hosts[@]}"; do
  driftless_host_authorize "driftless-demo-$h" "$demo/id_ed25519.pub"
done

say "pushing the service images into the registry (registry:5000 as the hosts see it)"
reg="$(driftless_registry_serve driftless-demo-registry)"
# The local tag is only the way into the registry: it goes again once pushed.
push() {
  docker tag "driftless/sample-svc:$2" "$reg/shop/$1:$2" && docker push -q "$reg/shop/$1:$2" >/dev/null &&
    docker rmi -f "$reg/shop/$1:$2" >/dev/null
}
push api 1.0.0; push api 1.1.0; push api 1.2.0; push worker 1.0.0; push worker 1.1.0; push store 1.0.0

say "creating the infra repo $demo/infra from examples/infra-repo"
demo_labels() {
  case $1 in app-1) echo "{role: app, zone: a}" ;; app-2) echo "{role: app, zone: b}" ;; *) echo "{role: db, zone: a}" ;; esac
}
cp -r "$root/examples/infra-repo" "$demo/infra"
{
  echo "# The demo's inventory: each host's sshd is published on 127.0.0.1, and its own host key"
  echo "# is pinned here (driftless never trusts a key on first use)."
  echo "defaults:"
  echo "  user: deploy"
  echo
  driftless_hosts_yaml driftless-demo demo_labels "${hosts[@]}"
} >"$demo/infra/hosts.yaml"
# The demo engineer signs every commit with an SSH key (git's gpg.format=ssh), and the daemon
# applies only commits signed by a key of its allowed signers file (repo.verify).
ssh-keygen -q -t ed25519 -N '' -C demo@example.com -f "$demo/signing_ed25519"
echo "demo@example.com $(cat "$demo/signing_ed25519.pub")" >"$demo/allowed_signers"
git -C "$demo/infra" init -q -b main
git -C "$demo/infra" config user.name "Demo Engineer"
git -C "$demo/infra" config user.email demo@example.com
git -C "$demo/infra" config gpg.format ssh
git -C "$demo/infra" config user.signingkey "$demo/signing_ed25519"
git -C "$demo/infra" config commit.gpgsign true
git -C "$demo/infra" config gpg.ssh.allowedSignersFile "$demo/allowed_signers"
git -C "$demo/infra" add -A
git -C "$demo/infra" commit -q -m "Initial desired state: api, worker and store"

cat >"$demo/driftless.yaml" <<EOF
# The demo daemon's configuration (every key: docs/configuration.md).
repo:
  url: $demo/infra
  branch: main
  verify: {ssh-allowed-signers: $demo/allowed_signers}
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
  #    ... or hotfix a file driftless placed in a container: it is replaced with the repo's file
  #    ("file /www/banner.txt changed on the host"), the new one beside the old (start-first);
  #    so is a secret file made readable to all ("mode 0400 → 0644"). A file the program itself
  #    rewrites is repaired less and less often, with a warning: mark it drift: ignore
  docker exec driftless-demo-app-1 sh -c 'docker exec \$(docker ps -q --filter label=dev.driftless.service=api) sh -c "echo hotfix > /www/banner.txt"'

  # 5. Do not wait for the next poll: ask the daemon to reconcile now and print the outcome
  \$DL reconcile --config \$CFG --wait

  # 6. Unhealthy: api keeps running but stops answering /healthz; the next drift check probes it
  #    3 times, restarts it in place and gates it again (a RESTART step in history)
  docker exec driftless-demo-app-1 sh -c 'docker exec \$(docker ps -q --filter label=dev.driftless.service=api) rm /www/healthz'

  # 7. A systemd service beside the containers: each app host runs python3's web server as a
  #    systemd user unit of deploy (status shows its version as "unit <fingerprint>")
  printf '%s\n' 'runtime: systemd' 'command: [/usr/bin/python3, -m, http.server]' \\
    'args: ["9100", --bind, 127.0.0.1, --directory, /usr/share/common-licenses]' \\
    'placement: {selector: {role: app}}' 'ports: ["9100"]' 'health: {http: {port: 9100, path: /}}' \\
    > services/licenses.yaml && git add services/licenses.yaml && git commit -qm "licenses: a systemd service"
  #    …then as user nobody: it moves to a system unit (/etc/systemd/system, User=nobody),
  #    which driftless installs with sudo -n (the demo hosts' deploy user may sudo)
  echo 'user: nobody' >> services/licenses.yaml && git commit -qam "licenses: run as nobody"

  # 8. Hands off during an incident: suspend, stop the worker by hand (no drift check undoes it),
  #    then resume: the next poll converges again
  \$DL suspend --config \$CFG --reason "debugging the worker" && \$DL status --config \$CFG | grep -A1 ^suspended
  docker exec driftless-demo-app-1 sh -c 'docker stop \$(docker ps -q --filter label=dev.driftless.service=worker)'
  \$DL resume --config \$CFG

  # 9. A migration before a release: worker 1.1.0 with a pre-deploy job, run once on the first
  #    host in a container of the new image before any worker is replaced (a PRE_DEPLOY step in
  #    history, with what the job printed; a job that fails deploys nothing)
  printf '%s\n' 'rollout:' '  pre-deploy: {command: [/bin/busybox, sh, -c, "echo migrating to \$SVC_VERSION"]}' \\
    >> services/worker.yaml && sed -i 's/worker:1.0.0/worker:1.1.0/' services/worker.yaml && \\
    git commit -qam "worker 1.1.0 after a migration"

  # 10. Only signed commits deploy: every commit here is signed with $demo/signing_ed25519
  #     (this repo's git config) and the daemon trusts that key alone (repo.verify); an unsigned
  #     commit is refused like an invalid one, and status says why. A signed commit on top deploys
  #     (history -v names its signer).
  sed -i 's/LOG_LEVEL: info/LOG_LEVEL: debug/' services/api.yaml && \\
    git -c commit.gpgsign=false commit -qam "api logs at debug, unsigned"
  \$DL status --config \$CFG | grep -A1 refused
  git commit --allow-empty -qm "api logs at debug, signed" && git verify-commit HEAD

  # 11. Configuration files: every api container gets files/api/banner.txt of this repo at
  #     /www/banner.txt (and the database password as a file, mode 0400); change the file and
  #     commit: the plan says "file /www/banner.txt changed" and api is replaced host by host
  echo "Now with a second line." >> files/api/banner.txt && git commit -qam "api banner" && \$DL plan --config \$CFG
  docker exec driftless-demo-app-1 sh -c 'docker exec \$(docker ps -q --filter label=dev.driftless.service=api) cat /www/banner.txt'

  # 12. Placement by count: one worker in all instead of one per app host; driftless picks the
  #     host (rendezvous hashing, stable across commits) and removes the other worker
  #     ("not in desired state (worker is no longer placed on app-…)")
  sed -i 's/^  selector: {role: app}\$/&\n  count: 1/' services/worker.yaml && git commit -qam "worker: one in all"
  \$DL reconcile --config \$CFG --wait; \$DL history --config \$CFG -v --limit 2

  # 13. A rolling restart without a commit (a certificate renewed on the hosts, say): each api
  #     instance is restarted in place, one host at a time behind its health gate; --wait prints
  #     how it ended and the MANUAL reconcile that did it (RESTART steps naming who asked and why)
  \$DL restart api --config \$CFG --reason "renewed TLS certificate" --wait

  # 14. A new database password without a plaintext file: set it in the encrypted file (the value
  #     from stdin, never on the command line; the same data key, so nobody else's key is needed)
  #     and commit: the plan says "secret DB_PASSWORD changed" and api is replaced host by host.
  #     New secrets files need no flags either: .sops.yaml names the recipients
  tr -dc A-Za-z0-9 </dev/urandom | head -c 24 | \$DL secrets set --age-key $root/examples/keys/demo-age.txt \\
    secrets/shop.yaml '["db"]["password"]' && git commit -qam "new database password" && \$DL plan --config \$CFG

Remove everything with: scripts/demo.sh down
EOF
