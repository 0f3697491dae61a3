#!/usr/bin/env bash
# The demo: tests/fixtures/hello-c, a C program compiled in gcc:12 and copied into scratch, built
# with the reference frontend; its binary runs; scripts/compare finds the build equal to itself
# (also through the gateway), and reports a deliberately changed Dockerfile.
source "$(dirname "$0")/common.bash"
ctx=tests/fixtures/hello-c

scripts/compare --export "$WORK/export" --context "$ctx"
expect_eq "greeting of the built binary" "$("$WORK/export/rootfs/hello")" "hello from a multi-stage build"
expect_eq "rootfs holds only the binary" "$(cd "$WORK/export/rootfs" && find . | sort | tr '\n' ' ')" ". ./hello "
expect_eq "entrypoint" "$(jq -c .config.Entrypoint "$WORK/export/config.json")" '["/hello"]'
expect_eq "layers" "$(jq '.rootfs.diff_ids | length' "$WORK/export/config.json")" 1

scripts/compare --context "$ctx" --right dockerfile.v0 | tee "$WORK/same.txt"
expect_in "reference vs reference" "$WORK/same.txt" "compare: equal"
scripts/compare --context "$ctx" --right gateway:dfllb/reference-frontend | tee "$WORK/gateway.txt"
expect_in "reference vs reference as a gateway image" "$WORK/gateway.txt" "compare: equal"

code=0
scripts/compare --context "$ctx" --right dockerfile.v0 --right-file "$ctx/Dockerfile.changed" \
  > "$WORK/changed.txt" || code=$?
cat "$WORK/changed.txt"
expect_eq "exit status on a difference" "$code" 1
expect_in "the diff names the entrypoint" "$WORK/changed.txt" '    right: ["/hello", "--changed"]'
expect_in "the diff names the binary" "$WORK/changed.txt" "/hello: sha256 differ"

printf 'FROM busybox\nRUN exit 3\n' > "$WORK/Dockerfile.broken"
code=0
scripts/compare --context "$ctx" --file "$WORK/Dockerfile.broken" --right dockerfile.v0 \
  2> "$WORK/broken.txt" || code=$?
expect_eq "exit status on a build failure" "$code" 2
expect_in "buildctl's error is shown" "$WORK/broken.txt" "did not complete successfully: exit code: 3"
