# Sourced by scripts/e2e/*.sh (run by scripts/test.sh with $DFLLB_RUN/env.sh sourced, from the
# repository root). Each script is one check: exit 0 = passed.
# shellcheck shell=bash
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "${BASH_SOURCE[0]}")/../versions.env"
: "${BUILDKIT_HOST:?source \$DFLLB_RUN/env.sh first}" "${DFLLB_REGISTRY:?}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

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
