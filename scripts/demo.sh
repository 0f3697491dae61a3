#!/usr/bin/env bash
# The README's main command: sets up a real BuildKit (scripts/env-up.sh), builds our frontend image,
# then builds examples/hello-c through `# syntax=myorg/frontend` with `docker buildx build`, runs the
# result, and shows the single-stage image's size next to the multi-stage one.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$DFLLB_SCRIPTS/env-up.sh"
# shellcheck source=/dev/null
source "$DFLLB_RUN/env.sh"
echo "== building our frontend image (static binary; the first build compiles for a few minutes)"
mkdir -p "$DFLLB_RUN"
if ! bash "$DFLLB_SCRIPTS/build-frontend-image.sh" >"$DFLLB_RUN/frontend-image.log" 2>&1; then
  tail -n 40 "$DFLLB_RUN/frontend-image.log" >&2
  die "building the frontend image failed (log: $DFLLB_RUN/frontend-image.log)"
fi
tail -n 1 "$DFLLB_RUN/frontend-image.log"
echo

EXAMPLE=$DFLLB_ROOT/examples/hello-c
OUT=$DFLLB_RUN/demo
rm -rf "$OUT" && mkdir -p "$OUT"

# build NAME DOCKERFILE [buildx args...]: docker buildx build to an OCI archive; plain progress to a log.
build() {
  local name=$1 file=$2; shift 2
  if ! docker buildx build --builder "$BUILDX_BUILDER" --progress plain -f "$file" "$@" \
      --output "type=oci,dest=$OUT/$name.tar" "$EXAMPLE" >"$OUT/$name.log" 2>&1; then
    cat "$OUT/$name.log" >&2
    die "docker buildx build of $name failed"
  fi
}

echo "== docker buildx build examples/hello-c (first line: # syntax=myorg/frontend)"
build multi-stage "$EXAMPLE/Dockerfile"
# The steps as BuildKit ran them: our frontend named them.
grep -E '^#[0-9]+ \[' "$OUT/multi-stage.log" | sed 's/^#[0-9]* //' | sort -u
docker buildx build --builder "$BUILDX_BUILDER" --progress quiet -f "$EXAMPLE/Dockerfile" \
  --output "type=local,dest=$OUT/release" "$EXAMPLE" >/dev/null
echo
echo "== running the binary from the multi-stage image"
"$OUT/release/hello"

echo
echo "== the same program built single-stage (examples/hello-c/Dockerfile.single)"
build single-stage "$EXAMPLE/Dockerfile.single"

echo
python3 "$DFLLB_SCRIPTS/oci-size.py" "single-stage=$OUT/single-stage.tar" "multi-stage=$OUT/multi-stage.tar"
echo
echo "The environment stays up for more experiments: source $DFLLB_RUN/env.sh; stop it with scripts/env-down.sh"
