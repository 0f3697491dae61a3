#!/usr/bin/env bash
# Builds the frontend image offline and pushes it to $DFLLB_REGISTRY/myorg/frontend:latest, where
# `# syntax=myorg/frontend` and `--opt source=myorg/frontend` find it (the registry mirrors docker.io).
#   1. a static binary: RUSTFLAGS='-C target-feature=+crt-static' cargo build --profile image
#      --target x86_64-unknown-linux-gnu (cargo does nothing when it is up to date);
#   2. frontend.Dockerfile built by BuildKit with its `builder` stage replaced by a named context
#      holding that binary.
# Needs the environment of scripts/env-up.sh (sourced from ${DFLLB_RUN:-/tmp/dfllb-run}/env.sh when
# BUILDKIT_HOST or DFLLB_REGISTRY is unset). Idempotent. Options: --image NAME (default myorg/frontend).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=myorg/frontend
while [ $# -gt 0 ]; do
  case "$1" in
    --image) IMAGE=$2; shift 2 ;;
    *) echo "usage: $0 [--image NAME]" >&2; exit 2 ;;
  esac
done

if [ -z "${BUILDKIT_HOST:-}" ] || [ -z "${DFLLB_REGISTRY:-}" ]; then
  # shellcheck source=/dev/null
  source "${DFLLB_RUN:-/tmp/dfllb-run}/env.sh"
fi

TARGET=x86_64-unknown-linux-gnu
BIN=$ROOT/target/$TARGET/image/dockerfile-llb
STAGE=$ROOT/target/frontend-image

echo "build-frontend-image: cargo build --profile image --target $TARGET (static)" >&2
(cd "$ROOT" && RUSTFLAGS='-C target-feature=+crt-static' cargo build --profile image --locked --target "$TARGET")

# A dynamic binary would fail in the scratch image with a confusing "no such file or directory".
if ! file -L "$BIN" | grep -Eq 'statically linked|static-pie linked'; then
  echo "build-frontend-image: $BIN is not static: $(file -L "$BIN")" >&2
  exit 1
fi

mkdir -p "$STAGE"
cmp -s "$BIN" "$STAGE/dockerfile-llb" || cp "$BIN" "$STAGE/dockerfile-llb"

REF=$DFLLB_REGISTRY/$IMAGE:latest
echo "build-frontend-image: building and pushing $REF" >&2
LOG=$ROOT/target/frontend-image.log
# gzip at level 9: every cold CI build pulls this layer, and every client can read gzip.
if ! buildctl build \
  --frontend dockerfile.v0 \
  --local context="$ROOT" \
  --local dockerfile="$ROOT" \
  --opt filename=frontend.Dockerfile \
  --opt context:builder=local:bin \
  --local bin="$STAGE" \
  --output "type=image,name=$REF,push=true,registry.insecure=true,compression=gzip,compression-level=9,force-compression=true" \
  --progress plain >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  echo "build-frontend-image: buildctl failed, full log in $LOG" >&2
  exit 1
fi
echo "$REF"
