#!/usr/bin/env bash
# Cache that CI can share, through our frontend (issue 8, part 3). Pattern 5-c-scratch (a gcc
# builder stage whose binary is copied into scratch; `# syntax=myorg/frontend`) is built on a fresh
# daemon A that exports its build cache, then on a fresh daemon B (its own state, the same
# registry) that imports it. On B every step of every stage, the builder stage's included, must be
# CACHED (no step runs), and B's image must be A's: the same manifest digest. Three ways:
#   registry  buildctl --export-cache / --import-cache type=registry,mode=max
#   local     docker buildx build --cache-to / --cache-from type=local,mode=max
#   inline    docker buildx build --build-arg BUILDKIT_INLINE_CACHE=1, the image pushed, then
#             buildctl --import-cache type=registry,ref=<that image>
# The daemons are started with lib.sh's buildkitd_start and stopped at the end, also on failure.
source "$(dirname "$0")/common.bash"
PATTERN=$DFLLB_ROOT/tests/fixtures/patterns/5-c-scratch
# A fixed SOURCE_DATE_EPOCH gives the image config fixed times, so A's and B's images can be equal.
EPOCH=1700000000
REPO=$DFLLB_REGISTRY/dfllb-e2e/cache-5-c-scratch
# The tags this test pushes are deleted at the end (inline and inline-b are one manifest).
delete_tag() { skopeo delete --tls-verify=false "docker://$REPO:$1" >/dev/null 2>&1 || true; }
for tag in registry inline inline-b; do at_exit delete_tag "$tag"; done
FRONTEND=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$DFLLB_REGISTRY/myorg/frontend:latest")

# steps LOG: one line per Dockerfile step ("[stage n/m] ...") of a rawjson progress log, sorted by
# name: "CACHED <name>"; "RAN <name>" (started, not cached); "RESOLVED <name>" for a FROM that
# only resolved its image's manifest (its only statuses are "resolve ...": no layer pulled, which
# is how BuildKit shows a base image whose every use is cached, with the reference frontend too);
# "SKIPPED <name>" (neither started nor cached).
steps() {
  jq -rRn '[inputs | fromjson?] as $all
    | ([$all[] | .statuses[]? | {v: .vertex, id}] | group_by(.v)
       | map({key: .[0].v, value: [.[].id] | unique}) | from_entries) as $statuses
    | [$all[] | .vertexes[]?] | group_by(.digest)[]
    | {name: .[0].name, digest: .[0].digest,
       cached: any(.[]; .cached == true), started: any(.[]; .started != null)}
    | select(.name | test("^\\[[^]]+ [0-9]+/[0-9]+\\] "))
    | (if .cached then "CACHED "
       elif .started and (.name | test("^\\[[^]]+\\] FROM "))
         and ($statuses[.digest] // [] | all(startswith("resolve "))) then "RESOLVED "
       elif .started then "RAN "
       else "SKIPPED " end) + .name' "$1" \
    | sort -k2 | uniq
}

# image_digest LAYOUT: the digest of the image manifest of an OCI layout (into an index, past
# attestations).
image_digest() {
  local desc; desc=$(jq -c '.manifests[0]' "$1/index.json")
  while jq -e '.mediaType | test("index|manifest.list")' <<<"$desc" >/dev/null; do
    desc=$(jq -c '[.manifests[] | select(.annotations["vnd.docker.reference.type"] != "attestation-manifest")][0]' \
      "$1/blobs/sha256/$(jq -r '.digest | sub("^sha256:"; "")' <<<"$desc")")
  done
  jq -r .digest <<<"$desc"
}

# check_ran_here WHAT LOG: the build loaded our frontend image (the digest in the registry).
check_ran_here() {
  jq -rRn '[inputs | fromjson? | .vertexes[]?.name] | unique[]' "$2" > "$2.names"
  expect_in "$1: our frontend ran" "$2.names" "docker-image://docker.io/myorg/frontend:latest@$FRONTEND"
}

# check_fresh WHAT LOG: on the fresh daemon A every step ran (so the list is complete and B's
# CACHED below is B's import, not a leftover); prints the list to $LOG.steps.
check_fresh() {
  steps "$2" > "$2.steps"
  cat "$2.steps"
  grep -q '^RAN \[development [0-9/]*\] RUN gcc' "$2.steps" || fail "$1: the builder's RUN gcc did not run on A"
  grep -q '^RAN \[production [0-9/]*\] COPY --from=development' "$2.steps" || fail "$1: the final COPY did not run on A"
  if grep -v '^RAN ' "$2.steps"; then fail "$1: steps above did not run on the fresh daemon A"; fi
  echo "ok: $1: A ran all $(wc -l < "$2.steps") steps"
}

# check_cached WHAT LOG_A LOG_B: B has exactly A's steps, every one CACHED but the FROM lines,
# which only resolve the base image (no layer of it is pulled).
check_cached() {
  steps "$3" > "$3.steps"
  cat "$3.steps"
  if grep -v -e '^CACHED ' -e '^RESOLVED \[[^]]*\] FROM ' "$3.steps"; then
    fail "$1: steps of B above were neither CACHED nor a FROM that pulled nothing"
  fi
  diff <(cut -d' ' -f2- "$2.steps") <(cut -d' ' -f2- "$3.steps") || fail "$1: B's steps are not A's"
  echo "ok: $1: on B $(grep -c '^CACHED ' "$3.steps") of $(wc -l < "$3.steps") steps CACHED," \
    "$(grep -c '^RESOLVED ' "$3.steps") FROM resolved without pulling a layer, none ran"
}

# on DAEMON LOG ARGS...: buildctl build of the pattern on DAEMON (# syntax= forwarding to our
# image), rawjson progress in LOG.
on() {
  local daemon=$1 log=$2; shift 2
  buildctl --addr "$(daemon_addr "$daemon")" build --progress=rawjson --frontend dockerfile.v0 \
    --local context="$PATTERN" --local dockerfile="$PATTERN" \
    --opt build-arg:SOURCE_DATE_EPOCH=$EPOCH "$@" 2>"$log" || { tail -20 "$log"; fail "build on $daemon"; }
}

# buildx_on DAEMON LOG ARGS...: docker buildx build of the pattern on DAEMON (no attestations).
buildx_on() {
  local daemon=$1 log=$2; shift 2
  local builder; builder=$(daemon_buildx "$daemon")
  docker buildx build --builder "$builder" --progress=rawjson --provenance=false --sbom=false \
    --build-arg SOURCE_DATE_EPOCH=$EPOCH "$@" "$PATTERN" 2>"$log" \
    || { tail -20 "$log"; fail "buildx build on $daemon"; }
}
# untar ARCHIVE: unpacks an OCI archive next to it (ARCHIVE without .tar).
untar() { mkdir -p "${1%.tar}" && tar -xf "$1" -C "${1%.tar}"; }

t0=$SECONDS
start_daemon cache-a "$DFLLB_BIN/buildkitd"

echo "== registry cache, mode=max (buildctl)"
on cache-a "$WORK/a-registry.log" --export-cache "type=registry,ref=$REPO:registry,mode=max" \
  --output "type=oci,dest=$WORK/a-registry,tar=false"
check_ran_here "registry, A" "$WORK/a-registry.log"
check_fresh "registry" "$WORK/a-registry.log"
start_daemon cache-b "$DFLLB_BIN/buildkitd"
on cache-b "$WORK/b-registry.log" --import-cache "type=registry,ref=$REPO:registry" \
  --output "type=oci,dest=$WORK/b-registry,tar=false"
check_ran_here "registry, B" "$WORK/b-registry.log"
check_cached "registry" "$WORK/a-registry.log" "$WORK/b-registry.log"
expect_eq "registry: B's image is A's" "$(image_digest "$WORK/b-registry")" "$(image_digest "$WORK/a-registry")"
stop_daemon cache-b

echo "== local cache, mode=max (docker buildx build)"
buildx_on cache-a "$WORK/a-local.log" --cache-to "type=local,dest=$WORK/cache-local,mode=max" \
  --output "type=oci,dest=$WORK/a-local.tar"
check_ran_here "local, A" "$WORK/a-local.log"
start_daemon cache-b "$DFLLB_BIN/buildkitd"
buildx_on cache-b "$WORK/b-local.log" --cache-from "type=local,src=$WORK/cache-local" \
  --output "type=oci,dest=$WORK/b-local.tar"
check_ran_here "local, B" "$WORK/b-local.log"
check_cached "local" "$WORK/a-registry.log" "$WORK/b-local.log"
untar "$WORK/a-local.tar"; untar "$WORK/b-local.tar"
expect_eq "local: B's image is A's" "$(image_digest "$WORK/b-local")" "$(image_digest "$WORK/a-local")"
stop_daemon cache-b

# buildx turns the build arg into an inline cache export (buildctl needs --export-cache type=inline).
echo "== inline cache (docker buildx build --build-arg BUILDKIT_INLINE_CACHE=1, image pushed)"
buildx_on cache-a "$WORK/a-inline.log" --build-arg BUILDKIT_INLINE_CACHE=1 \
  --output "type=image,name=$REPO:inline,push=true"
check_ran_here "inline, A" "$WORK/a-inline.log"
start_daemon cache-b "$DFLLB_BIN/buildkitd"
# B exports inline cache too, so its image config carries the cache description A's carries.
on cache-b "$WORK/b-inline.log" --import-cache "type=registry,ref=$REPO:inline" \
  --export-cache type=inline --output "type=image,name=$REPO:inline-b,push=true"
check_ran_here "inline, B" "$WORK/b-inline.log"
check_cached "inline" "$WORK/a-registry.log" "$WORK/b-inline.log"
digest() { skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REPO:$1"; }
expect_eq "inline: B's image is A's" "$(digest inline-b)" "$(digest inline)"
echo "cache across daemons: $((SECONDS - t0))s"
