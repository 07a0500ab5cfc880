# Test hosts from shell scripts (the demo, the benchmarks): containers of driftless/test-host
# (systemd, sshd, dockerd) on their own network, sshd published on 127.0.0.1, user `deploy`
# authorised by a generated key, each host's own host key read back for pinning. Source it (after
# common.sh), don't run it. The Java tests get the same hosts from TestHosts.
#
# Every container and the network carry a label chosen by the caller (LABEL below: `key`, meaning
# key=true, or `key=value`), so one removal by label takes exactly what that script started and
# never the hosts of tests running beside it.

# driftless_label_arg LABEL: LABEL as a `--label` value (key=value).
driftless_label_arg() {
  if [[ $1 == *=* ]]; then echo "$1"; else echo "$1=true"; fi
}

# driftless_hosts_network NETWORK LABEL: creates the bridge network the hosts share.
driftless_hosts_network() {
  docker network create --label "$(driftless_label_arg "$2")" "$1" >/dev/null
}

# driftless_host_start CONTAINER HOSTNAME NETWORK LABEL [DOCKER_RUN_ARG...]: starts one host,
# reachable as HOSTNAME by the others; extra arguments go to `docker run` (e.g. -p 127.0.0.1::5000).
# These options give a working systemd, sshd and inner dockerd without --privileged (which fails
# on this kind of machine; see DEVELOPERS.md).
driftless_host_start() {
  local container="$1" hostname="$2" network="$3" label="$4"
  shift 4
  docker run -d --name "$container" --hostname "$hostname" --network "$network" --network-alias "$hostname" \
    --label "$(driftless_label_arg "$label")" --cap-add SYS_ADMIN --cap-add NET_ADMIN \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
    -p 127.0.0.1::22 "$@" driftless/test-host:latest >/dev/null
}

# driftless_registry_start CONTAINER NETWORK LABEL: a host named `registry` that also publishes
# its port 5000 on 127.0.0.1; call driftless_registry_serve once it is up.
driftless_registry_start() {
  driftless_host_start "$1" registry "$2" "$3" -p 127.0.0.1::5000
}

# driftless_hosts_wait CONTAINER...: waits until sshd and dockerd are active in each (up to 60 s
# each); fails naming the first host that did not come up. The state is read from what systemctl
# prints: the first exec into a fresh container can exit 0 before systemd answers.
driftless_hosts_wait() {
  local c ssh dockerd
  for c in "$@"; do
    for _ in $(seq 1 120); do
      ssh="$(docker exec "$c" systemctl is-active ssh 2>/dev/null || true)"
      dockerd="$(docker exec "$c" systemctl is-active docker 2>/dev/null || true)"
      [[ $ssh == active && $dockerd == active ]] && break
      sleep 0.5
    done
    if [[ $ssh != active || $dockerd != active ]]; then
      echo "test host $c did not start within 60 s (ssh: ${ssh:-?}, docker: ${dockerd:-?})" >&2
      return 1
    fi
  done
}

# driftless_deploy_key FILE COMMENT: generates an ed25519 key pair FILE, FILE.pub (no passphrase).
driftless_deploy_key() {
  ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"
}

# driftless_host_authorize CONTAINER PUBLIC_KEY_FILE: the key is the only one user deploy accepts.
driftless_host_authorize() {
  docker exec -i "$1" sh -c 'cat > /home/deploy/.ssh/authorized_keys && chown deploy: /home/deploy/.ssh/authorized_keys && chmod 600 /home/deploy/.ssh/authorized_keys' <"$2"
}

# driftless_host_port CONTAINER CONTAINER_PORT: the port on 127.0.0.1 it is published on.
driftless_host_port() {
  docker port "$1" "$2" | head -1 | sed 's/.*://'
}

# driftless_host_key CONTAINER: the host's own ed25519 key, "ssh-ed25519 AAAA…" (for pinning).
driftless_host_key() {
  docker exec "$1" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub
}

# driftless_known_hosts_line CONTAINER: its known_hosts line for 127.0.0.1 and its published sshd.
driftless_known_hosts_line() {
  echo "[127.0.0.1]:$(driftless_host_port "$1" 22) $(driftless_host_key "$1")"
}

# driftless_hosts_yaml PREFIX LABELS_FUNCTION HOST...: prints the `hosts:` section of a hosts.yaml
# for hosts whose containers are PREFIX-HOST: address 127.0.0.1, the published sshd port and the
# pinned host key. LABELS_FUNCTION HOST prints the host's labels as a YAML flow map, or nothing.
driftless_hosts_yaml() {
  local prefix="$1" labels_of="$2" h labels
  shift 2
  echo "hosts:"
  for h in "$@"; do
    labels="$("$labels_of" "$h")"
    echo "  $h:"
    echo "    address: 127.0.0.1"
    echo "    port: $(driftless_host_port "$prefix-$h" 22)"
    echo "    host-key: \"$(driftless_host_key "$prefix-$h")\""
    if [[ -n $labels ]]; then echo "    labels: $labels"; fi
  done
}

# driftless_registry_serve CONTAINER: starts the registry in it and prints its address as seen
# from here (127.0.0.1:PORT) once it answers; the hosts reach it as registry:5000.
driftless_registry_serve() {
  docker exec "$1" systemctl start docker-registry
  local reg
  reg="127.0.0.1:$(driftless_host_port "$1" 5000)"
  for _ in $(seq 1 60); do curl -sf "http://$reg/v2/" >/dev/null && break; sleep 0.5; done
  echo "$reg"
}

# driftless_host_load_image CONTAINER IMAGE...: copies images from this dockerd into the host's
# own dockerd (no registry needed; driftless then finds them present and pulls nothing).
driftless_host_load_image() {
  local c="$1"
  shift
  docker save "$@" | docker exec -i "$c" docker load -q >/dev/null
}

# driftless_hosts_remove LABEL [NETWORK]: removes every container labelled LABEL (`key`: any
# value), and the network.
driftless_hosts_remove() {
  docker ps -aq --filter "label=$1" | xargs -r docker rm -f >/dev/null 2>&1 || true
  [[ -z ${2:-} ]] || docker network rm "$2" >/dev/null 2>&1 || true
}
