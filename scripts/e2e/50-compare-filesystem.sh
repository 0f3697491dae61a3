#!/usr/bin/env bash
# scripts/compare on a filesystem with deletions (whiteouts, opaque directories), modes, owners,
# symlinks and hard links across several layers: equal to itself through the gateway, and each
# kind of change reported.
source "$(dirname "$0")/common.bash"
mkdir "$WORK/ctx"
cat > "$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN mkdir -p /data/sub /gone && echo a > /data/a && echo b > /data/sub/b && echo g > /gone/g \
 && echo old > /data/old
RUN rm -rf /gone /data/old && chmod 640 /data/a && chown 1000:50 /data/sub/b \
 && ln -s ../a /data/sub/link && ln /data/a /data/hard
RUN rm -rf /data/sub && mkdir /data/sub && echo c > /data/sub/c
ENV MODE=one
CMD ["cat", "/data/a"]
DOCKERFILE
cp "$WORK/ctx/Dockerfile" "$WORK/ctx/Dockerfile.changed"
sed -i -e 's|rm -rf /gone /data/old|rm -rf /gone|' -e 's|chmod 640|chmod 644|' \
  -e 's|ENV MODE=one|ENV MODE=two|' "$WORK/ctx/Dockerfile.changed"

scripts/compare --context "$WORK/ctx" --right gateway:dfllb/reference-frontend --out "$WORK/same" \
  | tee "$WORK/same.txt"
expect_in "equal through the gateway" "$WORK/same.txt" "compare: equal"

code=0
scripts/compare --context "$WORK/ctx" --right dockerfile.v0 --right-file "$WORK/ctx/Dockerfile.changed" \
  > "$WORK/diff.txt" || code=$?
cat "$WORK/diff.txt"
expect_eq "exit status" "$code" 1
expect_in "a file left undeleted" "$WORK/diff.txt" "only in right: /data/old (file"
expect_in "a mode change" "$WORK/diff.txt" "/data/a: mode differ"
expect_in "the hard link follows its file" "$WORK/diff.txt" "/data/hard: mode differ"
expect_in "an Env change" "$WORK/diff.txt" "config.Env:"
if sed -n '/^root filesystem/,$p' "$WORK/diff.txt" | grep -q -e "/gone" -e "/data/sub/"; then
  fail "deleted paths reported as differences"
fi
echo "ok: deleted paths stay deleted on both sides"
