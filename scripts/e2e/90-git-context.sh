#!/usr/bin/env bash
# A build context given as a git URL (issue 10): a repository this script makes (a tag, a branch,
# a subdirectory), served by `git daemon` on 127.0.0.1, built as `<url>#branch:subdir` and with
# `contextsubdir` through the reference (dockerfile.v0) and through ours, compared with
# scripts/compare; the result is checked to come from the branch. Then `docker buildx build <url>`
# of the repository's Dockerfile, whose first line `# syntax=myorg/frontend` makes the builtin
# frontend forward the build to our image, equal to the same build without that line.
source "$(dirname "$0")/common.bash"

git_in() { git -C "$WORK/src" -c user.name=e2e -c user.email=e2e@example.com "$@"; }
git init -q -b main "$WORK/src"
mkdir "$WORK/src/app"
body='FROM busybox\nWORKDIR /w\nCOPY msg.txt .\nRUN cat msg.txt > out.txt\nFROM scratch\nCOPY --from=0 /w /\n'
printf "# syntax=myorg/frontend\n$body" > "$WORK/src/app/Dockerfile"
echo "from main" > "$WORK/src/app/msg.txt"
# The same build without the syntax line: the builtin frontend's, for `docker buildx build <url>`.
mkdir "$WORK/src/app-builtin"
printf "$body" > "$WORK/src/app-builtin/Dockerfile"
echo "from main" > "$WORK/src/app-builtin/msg.txt"
echo "the repository's root" > "$WORK/src/README"
git_in add -A && git_in commit -q -m main && git_in tag v1
git_in checkout -q -b feature
echo "from feature" > "$WORK/src/app/msg.txt"
git_in commit -q -am feature
mkdir "$WORK/srv"
git clone -q --bare "$WORK/src" "$WORK/srv/repo.git"

port=$(free_port)
git daemon --reuseaddr --export-all --base-path="$WORK/srv" --listen=127.0.0.1 --port="$port" \
  "$WORK/srv" 2>"$WORK/git-daemon.log" &
daemon_pid=$!
at_exit kill "$daemon_pid"
repo=git://127.0.0.1:$port/repo.git
for _ in $(seq 50); do git ls-remote "$repo" >/dev/null 2>&1 && break; sleep 0.2; done
git ls-remote "$repo" >/dev/null || { cat "$WORK/git-daemon.log"; fail "git daemon on port $port"; }

# The local context and Dockerfile compare hands buildctl are not what is built: a git context
# holds its own Dockerfile. This one would fail.
mkdir "$WORK/local"
printf 'FROM busybox\nRUN false\n' > "$WORK/local/Dockerfile"
compare_git() {  # compare_git OPT...: reference and ours on the same git context, equal
  scripts/compare --context "$WORK/local" --file "$WORK/local/Dockerfile" "$@" \
    >"$WORK/compare.log" 2>&1 || { cat "$WORK/compare.log"; fail "compare $*"; }
  cat "$WORK/compare.log"
  echo "ok: reference = ours for $*"
}
compare_git --opt "context=$repo#feature:app"
compare_git --opt "context=$repo#v1" --opt contextsubdir=app --opt filename=app/Dockerfile
compare_git --opt "context=$repo?branch=feature&subdir=app" --build-arg BUILDKIT_CONTEXT_KEEP_GIT_DIR=1

# Ours on its own: the files are the branch's.
buildctl build --progress=plain --frontend gateway.v0 --opt source=myorg/frontend \
  --opt "context=$repo#feature:app" --output "type=local,dest=$WORK/ours" >"$WORK/ours.log" 2>&1 \
  || { cat "$WORK/ours.log"; fail "build with ours"; }
expect_eq "ours, #feature:app" "$(cat "$WORK/ours/out.txt")" "from feature"
expect_in "the git source's progress name" "$WORK/ours.log" "[internal] load git source $repo#feature:app"

# docker buildx build <git url>: buildx passes the URL as the context, the builtin frontend reads
# the Dockerfile from the repository and forwards to myorg/frontend (our image).
docker buildx build --progress=plain -o "type=local,dest=$WORK/bx" "$repo#v1:app" >"$WORK/bx.log" 2>&1 \
  || { cat "$WORK/bx.log"; fail "docker buildx build $repo#v1:app"; }
expect_in "the syntax line was honoured" "$WORK/bx.log" \
  "resolve image config for docker-image://docker.io/myorg/frontend:latest"
expect_eq "buildx, #v1:app" "$(cat "$WORK/bx/out.txt")" "from main"
docker buildx build --progress=plain -o "type=local,dest=$WORK/bx-builtin" "$repo#v1:app-builtin" \
  >"$WORK/bx-builtin.log" 2>&1 || { cat "$WORK/bx-builtin.log"; fail "docker buildx build $repo#v1:app-builtin"; }
diff -r "$WORK/bx-builtin" "$WORK/bx" || fail "buildx <git url>: ours differs from the builtin frontend"
echo "ok: docker buildx build <git url> through ours = through the builtin frontend"
