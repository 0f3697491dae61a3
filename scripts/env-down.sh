#!/usr/bin/env bash
# Stops what scripts/env-up.sh started in $DFLLB_RUN (by its pid files) and deletes $DFLLB_RUN.
# Safe to run when nothing is up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

stop_pid_file() {
  local file=$1
  pid_alive "$file" || return 0
  local pid; pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  log "pid $pid did not stop on TERM, killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

[ -d "$DFLLB_RUN" ] || exit 0
# Only ever delete a directory env-up.sh made (it leaves this marker in it).
[ -e "$DFLLB_RUN/.dfllb-run" ] || [ -z "$(ls -A "$DFLLB_RUN")" ] \
  || die "$DFLLB_RUN was not made by env-up.sh; not touching it"
if [ -s "$DFLLB_RUN/buildx.builder" ]; then
  docker buildx rm "$(cat "$DFLLB_RUN/buildx.builder")" >/dev/null 2>&1 || true
fi
stop_pid_file "$DFLLB_RUN/buildkitd.pid"
stop_pid_file "$DFLLB_RUN/registry.pid"
# A buildkitd that had to be killed can leave snapshot mounts behind; unmount them deepest first.
awk -v run="$DFLLB_RUN/" 'index($2, run) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null || true
done
rm -rf "$DFLLB_RUN"
log "stopped and removed $DFLLB_RUN"
