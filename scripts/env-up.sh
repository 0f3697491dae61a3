#!/usr/bin/env bash
# Brings up the test environment and writes $DFLLB_RUN/env.sh (source it to use the environment):
#   - tools (scripts/install-tools.sh, cached),
#   - a registry on 127.0.0.1:<free port>, storage under $DFLLB_RUN,
#   - buildkitd as root, OCI worker, unix socket under $DFLLB_RUN, that registry as docker.io mirror,
#   - the offline base images (busybox, debian:bookworm-slim, gcc:12, python:3.11-slim) pushed there,
#   - a buildx builder (remote driver) on that buildkitd, so `docker buildx build` works.
# Idempotent: when the environment in $DFLLB_RUN is up and healthy it only rewrites env.sh (and
# re-pushes any missing base image). `env-up.sh --check` only reports health (exit 0 = healthy).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ADDR=$(buildkitd_addr buildkitd)

registry_port() { cat "$DFLLB_RUN/registry.port" 2>/dev/null; }
registry_healthy() {
  local port; port=$(registry_port) || return 1
  pid_alive "$DFLLB_RUN/registry.pid" && curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1
}
healthy() { registry_healthy && buildkitd_healthy buildkitd; }

if [ "${1:-}" = --check ]; then healthy; exit; fi

start_registry() {
  local port; port=$(free_port)
  mkdir -p "$DFLLB_RUN/registry"
  cat > "$DFLLB_RUN/registry.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DFLLB_RUN/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
  echo "$port" > "$DFLLB_RUN/registry.port"
  setsid docker-registry serve "$DFLLB_RUN/registry.yml" </dev/null >"$DFLLB_RUN/registry.log" 2>&1 &
  echo $! > "$DFLLB_RUN/registry.pid"
  wait_for 30 "the registry on port $port" registry_healthy || { tail -20 "$DFLLB_RUN/registry.log" >&2; exit 1; }
  log "registry on 127.0.0.1:$port"
}

start_buildkitd() { buildkitd_start buildkitd "$DFLLB_BIN/buildkitd"; }

# One builder per environment; its name is derived from DFLLB_RUN so two environments can coexist.
buildx_builder_name() { echo "dfllb-$(echo -n "$DFLLB_RUN" | sha256sum | cut -c1-10)"; }
ensure_buildx_builder() {
  local name; name=$(buildx_builder_name)
  if ! docker buildx inspect "$name" >/dev/null 2>&1; then
    docker buildx create --name "$name" --driver remote "$ADDR" >/dev/null
  fi
  echo "$name" > "$DFLLB_RUN/buildx.builder"
}

write_env_sh() {
  local tmp="$DFLLB_RUN/env.sh.tmp"
  {
    echo "# Written by scripts/env-up.sh; source it to use this test environment."
    echo "export DFLLB_RUN='$DFLLB_RUN'"
    echo "export DFLLB_CACHE='$DFLLB_CACHE'"
    echo "export DFLLB_BIN='$DFLLB_BIN'"
    echo "export BUILDKIT_HOST='$ADDR'"
    echo "export DFLLB_REGISTRY='127.0.0.1:$(registry_port)'"
    echo "export BUILDX_BUILDER='$(cat "$DFLLB_RUN/buildx.builder")'"
    echo "export PATH='$DFLLB_BIN':\"\$PATH\""
  } > "$tmp"
  mv "$tmp" "$DFLLB_RUN/env.sh"
}

bash "$DFLLB_SCRIPTS/install-tools.sh"
if healthy; then
  log "environment in $DFLLB_RUN already up"
else
  [ ! -e "$DFLLB_RUN" ] || bash "$DFLLB_SCRIPTS/env-down.sh"
  mkdir -p "$DFLLB_RUN"
  touch "$DFLLB_RUN/.dfllb-run"
  start_registry
  start_buildkitd
fi
ensure_buildx_builder
write_env_sh
# shellcheck source=/dev/null
source "$DFLLB_RUN/env.sh"
bash "$DFLLB_SCRIPTS/base-images.sh"
log "ready: source $DFLLB_RUN/env.sh"
