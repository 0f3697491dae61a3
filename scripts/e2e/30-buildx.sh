#!/usr/bin/env bash
# `docker buildx build` works: buildx is a CLI plugin of the docker client, and the environment's
# builder ($BUILDX_BUILDER, remote driver) talks to our buildkitd.
source "$(dirname "$0")/common.bash"
docker buildx version > "$WORK/version.txt"
expect_in "buildx version" "$WORK/version.txt" "github.com/docker/buildx $BUILDX_VERSION"
printf 'FROM busybox\nARG WHO\nRUN echo "hello $WHO" > /greeting\nFROM scratch\nCOPY --from=0 /greeting /\n' > "$WORK/Dockerfile"
docker buildx build --progress=plain --build-arg WHO=buildx -o "type=local,dest=$WORK/out" "$WORK" 2>&1
expect_eq "buildx result" "$(cat "$WORK/out/greeting")" "hello buildx"
