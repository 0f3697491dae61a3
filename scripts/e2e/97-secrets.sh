#!/usr/bin/env bash
# Secrets never leak (issue 11). A build through our image gets two secrets, one in env form
# (`buildctl --secret id=a,env=VAR`) and one in file form (`--secret id=b,src=FILE`), mounted by
# RUN --mount=type=secret as an environment variable (env=A) and as files (target=...), next to
# ARG/ENV names that look like secrets (ARG PASSWORD, ENV API_TOKEN, non-secret values). The RUN
# writes the secrets' sha256 into the image, so the test knows they really arrived. Then the
# secret values (random, made here) must appear nowhere in:
#   - the image: every blob of the OCI export (index, manifests, config and history, the
#     provenance attestation with the LLB of the build (mode=max), every layer decompressed);
#   - the LLB: `dockerfile-llb llb --json` of the Dockerfile, and the Definition the daemon gets
#     from our frontend (`docker buildx build --call convertllb,format=json` with the secrets);
#   - the progress output (--progress=plain) of every build here;
#   - our frontend's stderr (it lands in buildkitd.log) while these builds ran.
# Negative controls prove each grep can see a leak: a value passed as a build arg (LEAKME)
# must be found in the config, the history, the provenance, both LLBs and the progress (RUN
# echoes it), and a failing build whose --opt target= is that value must put it into the
# frontend's log (our frontend logs the error).
source "$(dirname "$0")/common.bash"

random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
SECRET_A=secret-a-$(random)
SECRET_B=secret-b-$(random)
CONTROL=control-$(random)
export DFLLB_TEST_SECRET_A=$SECRET_A
printf '%s' "$SECRET_B" > "$WORK/secret-b"

BIN=${CARGO_TARGET_DIR:-$DFLLB_ROOT/target}/x86_64-unknown-linux-gnu/image/dockerfile-llb
[ -x "$BIN" ] || fail "$BIN missing: run scripts/build-frontend-image.sh first"

mkdir "$WORK/ctx"
cat > "$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ARG PASSWORD=not-a-secret-password
ENV API_TOKEN=not-a-secret-token
ARG LEAKME
ENV LEAKED=$LEAKME
RUN --mount=type=secret,id=a,env=A \
    --mount=type=secret,id=a,target=/run/a-file \
    --mount=type=secret,id=b,target=/run/b-file \
    --mount=type=secret,id=b,env=B_TOKEN \
    printf %s "$A" | sha256sum | cut -d' ' -f1 > /a-env.sha && \
    sha256sum < /run/a-file | cut -d' ' -f1 > /a-file.sha && \
    sha256sum < /run/b-file | cut -d' ' -f1 > /b-file.sha && \
    printf %s "$B_TOKEN" | sha256sum | cut -d' ' -f1 > /b-env.sha && \
    echo "password arg: $PASSWORD, token env: $API_TOKEN"
RUN echo "the control value: $LEAKME"
DOCKERFILE
{ echo "# syntax=myorg/frontend"; cat "$WORK/ctx/Dockerfile"; } > "$WORK/ctx/Dockerfile.syntax"

SECRET_ARGS=(--secret id=a,env=DFLLB_TEST_SECRET_A --secret "id=b,src=$WORK/secret-b")
DAEMON_LOG=$DFLLB_RUN/buildkitd.log
log_start=$(stat -c %s "$DAEMON_LOG")

# absent WHAT FILE...: no secret value in FILEs (read as bytes).
absent() {
  local what=$1; shift
  local value
  for value in "$SECRET_A" "$SECRET_B"; do
    if grep -aqF -- "$value" "$@"; then
      grep -aoF -- "$value" "$@" | head -3 >&2
      fail "$what: a secret value leaked (${value%%-[0-9a-f]*})"
    fi
  done
  echo "ok: no secret in $what"
}
# present WHAT FILE...: the control value is in FILEs (the grep of `absent` can see a leak there).
present() {
  local what=$1; shift
  grep -aqF -- "$CONTROL" "$@" || fail "negative control: the build arg's value is not in $what"
  echo "ok: control found in $what"
}

# --- 1. the build through our image, the image exported with a max provenance --------------------
buildctl build --progress=plain --frontend gateway.v0 --opt source=myorg/frontend \
  --local context="$WORK/ctx" --local dockerfile="$WORK/ctx" \
  --opt build-arg:LEAKME="$CONTROL" --opt attest:provenance=mode=max "${SECRET_ARGS[@]}" \
  --output type=oci,dest="$WORK/image.tar" --output type=local,dest="$WORK/rootfs" \
  > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "the build with secrets"; }

# The secrets did reach the RUN, in both forms.
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
expect_eq "secret a as env" "$(cat "$WORK/rootfs/a-env.sha")" "$(sha "$SECRET_A")"
expect_eq "secret a as file" "$(cat "$WORK/rootfs/a-file.sha")" "$(sha "$SECRET_A")"
expect_eq "secret b as file" "$(cat "$WORK/rootfs/b-file.sha")" "$(sha "$SECRET_B")"
expect_eq "secret b as env" "$(cat "$WORK/rootfs/b-env.sha")" "$(sha "$SECRET_B")"

# Every blob of the image, decompressed when it is gzip.
mkdir "$WORK/image" "$WORK/blobs"
tar -xf "$WORK/image.tar" -C "$WORK/image"
for blob in "$WORK"/image/blobs/sha256/*; do
  if gzip -t "$blob" 2>/dev/null; then zcat "$blob"; else cat "$blob"; fi > "$WORK/blobs/$(basename "$blob")"
done
cp "$WORK/image/index.json" "$WORK/blobs/"
absent "the image (index, manifests, config, history, provenance, layers)" "$WORK"/blobs/*

# Which blob is what: the image config, and the provenance.
config=
for blob in $(grep -laF '"rootfs"' "$WORK"/blobs/*); do
  if jq -e 'type == "object" and has("rootfs") and has("history")' "$blob" >/dev/null 2>&1; then
    config=$blob; break
  fi
done
# The provenance is the in-toto statement itself, not the attestation manifest that names its
# predicate type too (which of the two sorts first depends on their digests).
provenance=
for blob in $(grep -laF 'https://slsa.dev/provenance' "$WORK"/blobs/*); do
  if jq -e '(.predicateType // "" | startswith("https://slsa.dev/provenance")) and has("predicate")' \
       "$blob" >/dev/null 2>&1; then provenance=$blob; break; fi
done
[ -n "$config" ] || fail "no image config among the blobs"
[ -n "$provenance" ] || fail "no provenance attestation among the blobs"
jq '.config' "$config" > "$WORK/config.json"
jq '.history' "$config" > "$WORK/history.json"
jq -e '.config.Env | index("API_TOKEN=not-a-secret-token")' "$config" >/dev/null \
  || fail "ENV API_TOKEN is not in the config"
expect_in "ARG PASSWORD in the history" "$WORK/history.json" "PASSWORD=not-a-secret-password"
present "the image config" "$WORK/config.json"
present "the history" "$WORK/history.json"
present "the provenance" "$provenance"
grep -qF 'llbDefinition' "$provenance" || fail "the provenance has no LLB definition (mode=max)"
absent "the image config" "$WORK/config.json"
absent "the history" "$WORK/history.json"
absent "the provenance (with the build's LLB)" "$provenance"

present "the progress output" "$WORK/build.log"
absent "the progress output" "$WORK/build.log"

# --- 2. the LLB: offline, and what our frontend hands the daemon ---------------------------------
"$BIN" llb --json -f "$WORK/ctx/Dockerfile" --build-arg LEAKME="$CONTROL" > "$WORK/llb.json"
present "dockerfile-llb llb --json" "$WORK/llb.json"
absent "dockerfile-llb llb --json" "$WORK/llb.json"

DFLLB_TEST_SECRET_A=$SECRET_A docker buildx build --builder "$BUILDX_BUILDER" --progress=plain \
  --call convertllb,format=json -f "$WORK/ctx/Dockerfile.syntax" --build-arg LEAKME="$CONTROL" \
  "${SECRET_ARGS[@]}" "$WORK/ctx" > "$WORK/convertllb.json" 2> "$WORK/convertllb.log" \
  || { cat "$WORK/convertllb.log"; fail "--call convertllb"; }
jq -e '.def | length > 0' "$WORK/convertllb.json" >/dev/null \
  || { head -c 2000 "$WORK/convertllb.json"; fail "--call convertllb printed no definition"; }
present "the Definition of --call convertllb" "$WORK/convertllb.json"
absent "the Definition of --call convertllb" "$WORK/convertllb.json"
absent "the progress output of --call convertllb" "$WORK/convertllb.log"

# --- 3. the frontend's log ------------------------------------------------------------------------
# The control: a build that fails on --opt target=<the control value>, which our frontend logs.
if buildctl build --progress=plain --frontend gateway.v0 --opt source=myorg/frontend \
  --local context="$WORK/ctx" --local dockerfile="$WORK/ctx" --opt target="$CONTROL" \
  "${SECRET_ARGS[@]}" > "$WORK/fail.log" 2>&1; then
  fail "a build with a target that does not exist succeeded"
fi
absent "the progress output of the failing build" "$WORK/fail.log"
tail -c +"$((log_start + 1))" "$DAEMON_LOG" > "$WORK/frontend.log"
grep -qF 'dockerfile-llb:' "$WORK/frontend.log" || fail "no line of our frontend in buildkitd.log"
present "buildkitd.log (our frontend's stderr)" "$WORK/frontend.log"
absent "buildkitd.log (our frontend's stderr)" "$WORK/frontend.log"
