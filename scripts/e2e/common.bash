# Sourced by scripts/e2e/*.sh (run by scripts/test.sh with $DFLLB_RUN/env.sh sourced, from the
# repository root). Each script is one check: exit 0 = passed.
# shellcheck shell=bash
set -euo pipefail
shopt -s inherit_errexit
: "${BUILDKIT_HOST:?source \$DFLLB_RUN/env.sh first}" "${DFLLB_REGISTRY:?}" "${DFLLB_RUN:?}"
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
WORK=$(mktemp -d)
# at_exit COMMAND...: runs COMMAND when the script ends, also on failure (last registered first).
AT_EXIT=()
at_exit() { AT_EXIT=("$(printf '%q ' "$@")" "${AT_EXIT[@]}"); }
run_at_exit() {
  local cmd
  for cmd in "${AT_EXIT[@]}"; do eval "$cmd" || true; done
  rm -rf "$WORK"
}
trap run_at_exit EXIT
trap 'exit 130' INT TERM

fail() { echo "FAILED: $*" >&2; exit 1; }
# expect_eq WHAT GOT WANTED
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', wanted '$3'"; echo "ok: $1 = '$3'"; }
# expect_in WHAT FILE TEXT: FILE contains TEXT (fixed string).
expect_in() { grep -qF -- "$3" "$2" || { cat "$2"; fail "$1: '$3' not in $2"; }; echo "ok: $1"; }

# build_local CONTEXT OUTDIR [buildctl args...]: reference frontend, result exported as files.
build_local() {
  local ctx=$1 out=$2; shift 2
  buildctl build --progress=plain --frontend dockerfile.v0 \
    --local context="$ctx" --local dockerfile="$ctx" --output type=local,dest="$out" "$@"
}

# start_daemon NAME BUILDKITD [--tls TCP_ADDRESS CERT_DIR]: a buildkitd of its own (state, socket,
# log under $DFLLB_RUN/buildkitd-NAME*, the environment's registry as docker.io mirror; see
# buildkitd_start in lib.sh), stopped and deleted when the script ends; `daemon_addr NAME` is its
# unix socket address. Not in $(...): the stop at the end is registered in this shell.
start_daemon() {
  local name=buildkitd-$1; shift
  at_exit buildkitd_stop "$name"
  buildkitd_stop "$name"   # a leftover of an interrupted run
  buildkitd_start "$name" "$@" || fail "starting $name (log: $DFLLB_RUN/$name.log)"
}
daemon_addr() { buildkitd_addr "buildkitd-$1"; }
# stop_daemon NAME: stops it now and deletes its state (the next start_daemon NAME is fresh).
stop_daemon() { buildkitd_stop "buildkitd-$1"; }
# daemon_buildx NAME [ENDPOINT DRIVER_OPTS]: a buildx builder (remote driver) on daemon NAME; prints
# its name (removed with the daemon).
daemon_buildx() { buildkitd_buildx "buildkitd-$1" "${@:2}"; }
