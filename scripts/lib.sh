# Shared by scripts/*.sh: where things live, logging, small helpers. Source it, do not run it.
# shellcheck shell=bash
# `set -e` also inside $(...), so a failing helper stops the script.
shopt -s inherit_errexit
DFLLB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DFLLB_ROOT=$(cd "$DFLLB_SCRIPTS/.." && pwd)
# shellcheck source=versions.env
source "$DFLLB_SCRIPTS/versions.env"
# Caches survive runs (tools, root filesystems, base image archives); DFLLB_RUN is one running
# environment (sockets, pid files, logs, daemon state) and is deleted by env-down.sh.
DFLLB_CACHE=${DFLLB_CACHE:-$HOME/.cache/dockerfile-llb}
DFLLB_BIN=$DFLLB_CACHE/bin
DFLLB_RUN=${DFLLB_RUN:-/tmp/dfllb-run}
export DFLLB_CACHE DFLLB_BIN DFLLB_RUN

log() { echo "[$(basename "$0")] $*" >&2; }
die() { log "error: $*"; exit 1; }

# A TCP port that is free right now on 127.0.0.1 (the kernel picks it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "timed out after ${secs}s waiting for $what"; return 1; }
    sleep 0.2
  done
}

# pid_alive FILE: the process named in pid FILE is running.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid_file FILE: stops the process named in pid FILE (TERM, then KILL after 10 s).
stop_pid_file() {
  local file=$1
  pid_alive "$file" || return 0
  local pid; pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || true
  local _
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  log "pid $pid did not stop on TERM, killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# unmount_under DIR: lazily unmounts what a killed daemon left mounted under DIR, deepest first.
unmount_under() {
  awk -v dir="${1%/}/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# BuildKit daemons of the environment. Daemon NAME keeps its files under $DFLLB_RUN:
#   NAME.toml (config), NAME/ (state, its own root), NAME.sock, NAME.pid, NAME.log
# and mirrors docker.io to the environment's registry ($DFLLB_RUN/registry.port). env-up.sh starts
# `buildkitd`, the environment's daemon; tests start more (`buildkitd-<name>`, e.g. a second
# daemon with an empty cache, or an older release); env-down.sh stops them all.
buildkitd_addr() { echo "unix://$DFLLB_RUN/$1.sock"; }
buildkitd_healthy() {
  pid_alive "$DFLLB_RUN/$1.pid" && "$DFLLB_BIN/buildctl" --addr "$(buildkitd_addr "$1")" debug workers >/dev/null 2>&1
}

# buildkitd_start NAME BUILDKITD [--tls TCP_ADDRESS CERT_DIR]: starts the buildkitd binary
# BUILDKITD as daemon NAME (root, OCI worker with runc, gc off). With --tls it also listens on
# TCP_ADDRESS (tcp://127.0.0.1:PORT) with mutual TLS: CERT_DIR holds ca.pem, server.pem and
# server-key.pem, clients need a certificate signed by that CA.
buildkitd_start() {
  local name=$1 bin=$2; shift 2
  local tcp="" certs=""
  if [ "${1:-}" = --tls ]; then tcp=$2 certs=$3; fi
  local reg; reg="127.0.0.1:$(cat "$DFLLB_RUN/registry.port")"
  local addr; addr=$(buildkitd_addr "$name")
  mkdir -p "$DFLLB_RUN/$name"
  # docker.io is mirrored by the local registry, so `FROM busybox` pulls
  # $reg/library/busybox:latest and `# syntax=myorg/frontend` pulls $reg/myorg/frontend:latest.
  {
    echo "root = \"$DFLLB_RUN/$name\""
    echo "[grpc]"
    echo "  address = [\"$addr\"${tcp:+, \"$tcp\"}]"
    if [ -n "$tcp" ]; then
      echo "  [grpc.tls]"
      echo "    cert = \"$certs/server.pem\""
      echo "    key = \"$certs/server-key.pem\""
      echo "    ca = \"$certs/ca.pem\""
    fi
    cat <<TOML
[worker.oci]
  enabled = true
  gc = false
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["$reg"]
[registry."$reg"]
  http = true
  insecure = true
TOML
  } > "$DFLLB_RUN/$name.toml"
  setsid "$bin" --config "$DFLLB_RUN/$name.toml" </dev/null >"$DFLLB_RUN/$name.log" 2>&1 &
  echo $! > "$DFLLB_RUN/$name.pid"
  wait_for 60 "$name on $addr" buildkitd_healthy "$name" || { tail -30 "$DFLLB_RUN/$name.log" >&2; return 1; }
  log "$name ($("$bin" --version | awk '{print $3}')) on $addr${tcp:+ and $tcp (TLS)}"
}

# buildkitd_stop NAME: stops daemon NAME, removes its buildx builder (buildkitd_buildx) and its
# files, state included, so that the next start of NAME begins with an empty cache.
buildkitd_stop() {
  local name=$1
  if [ -s "$DFLLB_RUN/$name.builder" ]; then
    docker buildx rm "$(cat "$DFLLB_RUN/$name.builder")" >/dev/null 2>&1 || true
  fi
  stop_pid_file "$DFLLB_RUN/$name.pid"
  unmount_under "$DFLLB_RUN/$name"
  rm -rf "${DFLLB_RUN:?}/$name" "$DFLLB_RUN/$name".{toml,sock,pid,log,builder}
}

# buildkitd_buildx NAME [ENDPOINT DRIVER_OPTS]: prints the name of a buildx builder (remote driver)
# on the extra daemon NAME, creating it once; ENDPOINT defaults to NAME's socket, DRIVER_OPTS is
# buildx's --driver-opt (e.g. the TLS files). The name derives from $DFLLB_RUN and NAME, so
# environments do not share builders; buildkitd_stop removes it.
buildkitd_buildx() {
  local name=$1 endpoint=${2:-$(buildkitd_addr "$1")} opts=${3:-}
  local builder; builder="dfllb-$(echo -n "$DFLLB_RUN" | sha256sum | cut -c1-10)-${name#buildkitd-}"
  if ! docker buildx inspect "$builder" >/dev/null 2>&1; then
    docker buildx create --name "$builder" --driver remote ${opts:+--driver-opt "$opts"} "$endpoint" >/dev/null
  fi
  echo "$builder" > "$DFLLB_RUN/$name.builder"
  echo "$builder"
}

# Docker Engines (scripts/daemon-matrix.sh). Daemon NAME keeps its files under $DFLLB_RUN:
#   NAME.json (config), NAME/ (data-root, exec-root), NAME.sock, NAME.pid, NAME.log.
# dockerd_start NAME DOCKERD: starts the dockerd binary DOCKERD as root; the containerd it
# supervises is the first `containerd` on PATH. The environment's registry is its docker.io mirror
# (plain HTTP). No bridge network and no iptables rules, so the host's network is left alone:
# builds on it use `--network host`. dockerd creates /etc/docker/key.json and /run/docker/plugins
# whatever its flags say; dockerd_stop removes them when this start made them.
dockerd_addr() { echo "unix://$DFLLB_RUN/$1.sock"; }
dockerd_healthy() {
  pid_alive "$DFLLB_RUN/$1.pid" && curl -fsS --unix-socket "$DFLLB_RUN/$1.sock" http://docker/_ping >/dev/null 2>&1
}
dockerd_start() {
  local name=$1 bin=$2
  local reg; reg="127.0.0.1:$(cat "$DFLLB_RUN/registry.port")"
  mkdir -p "$DFLLB_RUN/$name"
  local made=() path
  for path in /etc/docker/key.json /run/docker/plugins /run/docker; do [ -e "$path" ] || made+=("$path"); done
  printf '%s\n' "${made[@]}" | grep . > "$DFLLB_RUN/$name.made" || true
  cat > "$DFLLB_RUN/$name.json" <<JSON
{
  "data-root": "$DFLLB_RUN/$name/data",
  "exec-root": "$DFLLB_RUN/$name/exec",
  "pidfile": "$DFLLB_RUN/$name/dockerd.pid",
  "hosts": ["$(dockerd_addr "$name")"],
  "bridge": "none",
  "iptables": false,
  "ip6tables": false,
  "userland-proxy": false,
  "storage-driver": "overlay2",
  "registry-mirrors": ["http://$reg"],
  "insecure-registries": ["$reg"]
}
JSON
  setsid "$bin" --config-file "$DFLLB_RUN/$name.json" </dev/null >"$DFLLB_RUN/$name.log" 2>&1 &
  echo $! > "$DFLLB_RUN/$name.pid"
  wait_for 60 "$name on $(dockerd_addr "$name")" dockerd_healthy "$name" || { tail -30 "$DFLLB_RUN/$name.log" >&2; return 1; }
  log "$name ($("$bin" --version)) on $(dockerd_addr "$name")"
}
dockerd_stop() {
  local name=$1
  # dockerd stops the containerd it started; containers of a killed one are left to runc.
  stop_pid_file "$DFLLB_RUN/$name.pid"
  unmount_under "$DFLLB_RUN/$name"
  if [ -s "$DFLLB_RUN/$name.made" ]; then
    local path
    while read -r path; do
      if [ -d "$path" ]; then rmdir "$path" 2>/dev/null || true; else rm -f "$path"; fi
    done < "$DFLLB_RUN/$name.made"
  fi
  rm -rf "${DFLLB_RUN:?}/$name" "$DFLLB_RUN/$name".{json,sock,pid,log,made}
}
