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
