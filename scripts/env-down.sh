#!/usr/bin/env bash
# Stops what scripts/env-up.sh started in $DFLLB_RUN (by its pid files) and deletes $DFLLB_RUN.
# Safe to run when nothing is up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ -d "$DFLLB_RUN" ] || exit 0
# Only ever delete a directory env-up.sh made (it leaves this marker in it).
[ -e "$DFLLB_RUN/.dfllb-run" ] || [ -z "$(ls -A "$DFLLB_RUN")" ] \
  || die "$DFLLB_RUN was not made by env-up.sh; not touching it"
if [ -s "$DFLLB_RUN/buildx.builder" ]; then
  docker buildx rm "$(cat "$DFLLB_RUN/buildx.builder")" >/dev/null 2>&1 || true
fi
# The daemons tests started (buildkitd_start, dockerd_start in lib.sh), then the environment's own.
for pid_file in "$DFLLB_RUN"/buildkitd-*.pid; do
  [ -e "$pid_file" ] || continue
  buildkitd_stop "$(basename "$pid_file" .pid)"
done
for pid_file in "$DFLLB_RUN"/dockerd-*.pid; do
  [ -e "$pid_file" ] || continue
  dockerd_stop "$(basename "$pid_file" .pid)"
done
stop_pid_file "$DFLLB_RUN/buildkitd.pid"
stop_pid_file "$DFLLB_RUN/registry.pid"
# A buildkitd that had to be killed can leave snapshot mounts behind.
unmount_under "$DFLLB_RUN"
rm -rf "$DFLLB_RUN"
log "stopped and removed $DFLLB_RUN"
