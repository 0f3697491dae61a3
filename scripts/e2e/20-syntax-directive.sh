#!/usr/bin/env bash
# `# syntax=myorg/frontend:<tag>` resolves through the docker.io mirror to
# $DFLLB_REGISTRY/myorg/frontend:<tag>, and BuildKit runs that image as the frontend. The image
# used here is BuildKit's own Dockerfile frontend (dfllb/reference-frontend), pushed under a tag of
# its own so a shared environment's myorg/frontend:latest is left alone.
source "$(dirname "$0")/common.bash"
tag=e2e-syntax
skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false \
  "docker://$DFLLB_REGISTRY/dfllb/reference-frontend:latest" "docker://$DFLLB_REGISTRY/myorg/frontend:$tag"

mkdir "$WORK/ctx"
printf '# syntax=myorg/frontend:%s\nFROM busybox\nRUN echo via-syntax > /r.txt\nFROM scratch\nCOPY --from=0 /r.txt /\n' \
  "$tag" > "$WORK/ctx/Dockerfile"
build_local "$WORK/ctx" "$WORK/out" 2>"$WORK/build.log" || { cat "$WORK/build.log"; fail "build"; }
cat "$WORK/build.log"
expect_in "the syntax image was resolved" "$WORK/build.log" \
  "resolve image config for docker-image://docker.io/myorg/frontend:$tag"
expect_eq "result" "$(cat "$WORK/out/r.txt")" via-syntax

# Negative control: a syntax image that is not in the registry fails the build, so the line above
# really was honoured.
sed -i "1s/.*/# syntax=myorg\/frontend:no-such-tag/" "$WORK/ctx/Dockerfile"
if build_local "$WORK/ctx" "$WORK/out2" 2>"$WORK/build2.log"; then fail "build with a missing syntax image succeeded"; fi
expect_in "missing syntax image reported" "$WORK/build2.log" "docker.io/myorg/frontend:no-such-tag: not found"
