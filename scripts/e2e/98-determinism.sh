#!/usr/bin/env bash
# Determinism across daemons (issue 11): the five multi-stage patterns (and hello-c, and the
# unused-stage fixture) converted by our image, `docker buildx build --call convertllb,format=json`
# (the Definition our frontend would solve, as frontend.convertllb returns it), on
#   A  the environment's daemon, twice,
#   B  a second daemon of the same release with its own state, fresh,
#   P  the previous pin ($BUILDKIT_PREVIOUS_VERSION), fresh,
# must be the same: every op, keyed by its digest (the SHA-256 of its bytes, so equal digests are
# equal bytes), the metadata and the source map. The context is a git repository this script
# serves with `git daemon` on 127.0.0.1: a local context would put buildx's per-build session id
# into the context's source op (`local.session`) and so into every digest after it, which is the
# client's doing, not ours. P is a different release whose Ping may offer other caps, and our
# frontend must then degrade as the reference does; these files use no cap P lacks, so P must be
# identical too.
source "$(dirname "$0")/common.bash"
[ -x "$DFLLB_BIN/$BUILDKIT_PREVIOUS_VERSION/buildkitd" ] || bash "$DFLLB_SCRIPTS/install-tools.sh"

names=()
git init -q -b main "$WORK/src"
for dir in "$DFLLB_ROOT"/tests/fixtures/patterns/*/ "$DFLLB_ROOT"/examples/hello-c/; do
  [ -f "$dir/Dockerfile" ] || continue
  name=$(basename "$dir")
  cp -r "$dir" "$WORK/src/$name"
  names+=("$name")
done
[ ${#names[@]} -ge 6 ] || fail "expected the five patterns and hello-c, found ${#names[@]}"
git -C "$WORK/src" add -A
git -C "$WORK/src" -c user.name=e2e -c user.email=e2e@example.com commit -q -m fixtures
mkdir "$WORK/srv"
git clone -q --bare "$WORK/src" "$WORK/srv/repo.git"
port=$(free_port)
git daemon --reuseaddr --export-all --base-path="$WORK/srv" --listen=127.0.0.1 --port="$port" \
  "$WORK/srv" 2>"$WORK/git-daemon.log" &
at_exit kill "$!"
repo=git://127.0.0.1:$port/repo.git
for _ in $(seq 50); do git ls-remote "$repo" >/dev/null 2>&1 && break; sleep 0.2; done
git ls-remote "$repo" >/dev/null || { cat "$WORK/git-daemon.log"; fail "git daemon on port $port"; }

start_daemon det-b "$DFLLB_BIN/buildkitd"
start_daemon det-p "$DFLLB_BIN/$BUILDKIT_PREVIOUS_VERSION/buildkitd"
builder_b=$(daemon_buildx det-b)
builder_p=$(daemon_buildx det-p)

# convert OUT BUILDER NAME: frontend.convertllb of fixture NAME on BUILDER, keys sorted, in OUT.
convert() {
  docker buildx build --builder "$2" --call convertllb,format=json "$repo#main:$3" \
    > "$1.raw" 2> "$1.err" || { cat "$1.err" >&2; fail "$(basename "$1"): buildx --call convertllb"; }
  jq -S . "$1.raw" > "$1" || fail "$(basename "$1"): not JSON"
}

from_git=0
for name in "${names[@]}"; do
  out=$WORK/$name
  convert "$out.a1" "$BUILDX_BUILDER" "$name"
  convert "$out.a2" "$BUILDX_BUILDER" "$name"
  convert "$out.b" "$builder_b" "$name"
  convert "$out.p" "$builder_p" "$name"
  ops=$(jq '.def | length' "$out.a1")
  [ "$ops" -gt 2 ] || fail "$name: only $ops ops in the Definition"
  if jq -e '[.def[] | .source.identifier // empty] | any(startswith("git://"))' "$out.a1" >/dev/null; then
    from_git=$((from_git + 1))
  fi
  if jq -e '[.. | objects | has("local.session")] | any' "$out.a1" >/dev/null; then
    fail "$name: a local source with a session id is in the Definition"
  fi
  for other in a2 b p; do
    cmp -s "$out.a1" "$out.$other" || {
      diff "$out.a1" "$out.$other" | head -40 >&2
      fail "$name: the Definition on $other differs from the first run on A"
    }
  done
  echo "ok: $name: $ops ops, identical on A (twice), B and P (convertllb JSON sha256 $(sha256sum < "$out.a1" | cut -c1-12))"
done
# Every fixture but unused-stage copies from its context.
[ "$from_git" -ge $((${#names[@]} - 1)) ] || fail "only $from_git Definitions read the git context"
echo "ok: $from_git of ${#names[@]} Definitions read the context from the git source"
