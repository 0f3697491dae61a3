#!/usr/bin/env bash
# The daemon matrix (issue 8, part 2): our frontend image on the daemons users run. On each row the
# five multi-stage patterns (tests/fixtures/patterns/[1-5]-*) are built through our image and
# compared (scripts/compare) with BuildKit's own frontend of the pin run the same way, as an image
# (dfllb/reference-frontend: must be equal) and with that daemon's builtin Dockerfile frontend
# (must be equal on the pin and the previous pin; reported on older daemons, whose builtin is an
# older Dockerfile frontend); tests/fixtures/daemon-caps (what depends on the daemon's
# capabilities) must equal the reference image's result on every daemon.
#
#   scripts/daemon-matrix.sh [ROW...]     the rows (default: all), one table at the end; exit 1 if a
#                                         row failed (a row that cannot run here says why, and is
#                                         not a failure)
#   scripts/daemon-matrix.sh --row ROW    one row in the environment of $DFLLB_RUN/env.sh (sourced),
#                                         its checks on stdout; exit 0 passed, 1 failed, 3 cannot run
#                                         here (scripts/e2e/70-*.sh run rows this way)
#
# Rows (versions in scripts/versions.env; every daemon is started by lib.sh with its own state and
# the environment's registry as its docker.io mirror, and stopped at the end):
#   pin              the environment's buildkitd, BuildKit $BUILDKIT_VERSION
#   previous         buildkitd $BUILDKIT_PREVIOUS_VERSION (the previous pin)
#   oldest           buildkitd $BUILDKIT_OLDEST_VERSION, the oldest release that builds with this Go
#   tls              buildkitd of the pin on TCP with mutual TLS (certificates made here with
#                    openssl), reached by buildctl --addr tcp://... and a buildx remote builder
#   dockerd-debian   Debian's docker.io (dockerd 20.10, embedded BuildKit): DOCKER_BUILDKIT=1 docker
#                    build (its own 20.10 CLI) and docker buildx build (docker driver)
#   dockerd-current  dockerd $DOCKERD_VERSION built from the module proxy, with Debian's containerd:
#                    docker build and docker buildx build of the machine's docker client
#
# With DFLLB_RUN set to a running environment (e.g. after `source /tmp/dfllb-run/env.sh`) it uses
# that one and the frontend image pushed there; otherwise it starts one (a fresh
# /tmp/dfllb-matrix-env.XXXXXX when DFLLB_RUN is unset), builds and pushes our frontend image into
# it, and tears it down at the end. Logs: $DFLLB_MATRIX_LOGS (default a new
# /tmp/dfllb-matrix.XXXXXX), one per row.
# The row functions are called by name ("row_$ROW"), which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail
ROWS=(pin previous oldest tls dockerd-debian dockerd-current)
PATTERNS=(1-system-builder 2-python-app 3-numbered-stages 4-node-like 5-c-scratch)

# ---------------------------------------------------------------------------------------------
# One row (--row ROW): the checks, in the environment of env.sh.

# cannot_run REASON: this row cannot run on this machine (exit 3).
cannot_run() { echo "cannot run here: $*"; exit 3; }

# The digest of our frontend image in the environment's registry.
frontend_digest() {
  skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$DFLLB_REGISTRY/myorg/frontend:latest"
}

# expect_ours WHAT LOG DIGEST: LOG (plain progress) shows BuildKit loading our frontend image, the
# one in the registry (older daemons name it without its tag).
expect_ours() {
  grep -Eq "docker-image://docker\.io/myorg/frontend(:latest)?@$3" "$2" \
    || { tail -n 30 "$2"; fail "$1: our frontend image ($3) was not loaded"; }
  echo "ok: $1"
}

# judge WHAT MODE OUTPUT CODE: a scripts/compare result (its stdout and stderr in OUTPUT, exit
# status CODE). MODE=equal: it must be equal. MODE=report: it is reported, not required; this is
# for an old daemon's builtin frontend, an old Dockerfile frontend (e.g. dockerd 20.10's words
# `EXPOSE map[8000/tcp:{}]` where 1.28 says `EXPOSE [8000/tcp]`, BuildKit v0.7's does not know
# `COPY --chmod`), where the reference image run on the same daemon is the one to equal.
judge() {
  local what=$1 mode=$2 out=$3 code=$4
  cat "$out"
  if [ "$code" = 0 ]; then echo "ok: $what: equal"; return; fi
  [ "$mode" = report ] || fail "$what: $([ "$code" = 1 ] && echo different || echo "scripts/compare exit $code")"
  if [ "$code" != 1 ]; then
    echo "note: $what: the build failed: $(grep -m1 '^error: ' "$out" || tail -n 1 "$out")"
  elif awk '/^compare: DIFFERENT/ || /^image config .* differs:$/ {next}
            /^  history\[[0-9]+\]:$/ {h = 1; next}
            h && /^    (left|right): / {next}
            {bad = 1} END {exit !bad}' "$out"; then
    echo "note: $what: different (above)"
  else
    echo "note: $what: equal but for the history text above"
  fi
}

# compare_patterns WHAT BUILTIN: every pattern built through our image (gateway.v0) on the daemon
# in $BUILDKIT_HOST, compared (scripts/compare) with BuildKit's own frontend of the pin run as an
# image the same way (dfllb/reference-frontend: must be equal, i.e. we degrade as the reference
# does on this daemon) and with the daemon's builtin frontend (BUILTIN: equal or report, see judge).
compare_patterns() {
  local what=$1 builtin=$2 p frontend
  frontend=$(frontend_digest)
  for p in "${PATTERNS[@]}"; do
    local ctx=$DFLLB_ROOT/tests/fixtures/patterns/$p out=$WORK/$p code=0
    "$DFLLB_ROOT/scripts/compare" --context "$ctx" --left gateway:dfllb/reference-frontend \
      --out "$out.reference" > "$out.reference.txt" 2>&1 || code=$?
    judge "$what: $p: ours vs the reference image" equal "$out.reference.txt" "$code"
    expect_ours "$what: $p built by our image" "$out.reference/right.log" "$frontend"
    code=0   # our image's result of the first comparison, against the builtin
    "$DFLLB_ROOT/scripts/compare" --context "$ctx" --right-oci "$out.reference/right" \
      > "$out.builtin.txt" 2>&1 || code=$?
    judge "$what: $p: ours vs the builtin" "$builtin" "$out.builtin.txt" "$code"
  done
}

# compare_caps WHAT: the Dockerfiles of tests/fixtures/daemon-caps (instructions whose LLB depends
# on what the daemon supports: COPY --link, cache and tmpfs mounts, RUN --network, heredocs,
# COPY --chmod/--exclude/--parents) built through our image and through the reference image on
# the daemon in $BUILDKIT_HOST: the results must be equal, so that where the daemon lacks a
# capability ours does what the reference does there.
compare_caps() {
  local what=$1 ctx=$DFLLB_ROOT/tests/fixtures/daemon-caps f code
  for f in "$ctx"/*.Dockerfile; do
    f=$(basename "$f" .Dockerfile) code=0
    "$DFLLB_ROOT/scripts/compare" --context "$ctx" --file "$ctx/$f.Dockerfile" \
      --left gateway:dfllb/reference-frontend > "$WORK/caps-$f.txt" 2>&1 || code=$?
    judge "$what: daemon-caps/$f: ours vs the reference image" equal "$WORK/caps-$f.txt" "$code"
  done
}

# row_buildkitd NAME BUILDKITD BUILTIN: a daemon of its own, the five patterns and daemon-caps.
row_buildkitd() {
  local name=$1 bin=$2 builtin=$3
  start_daemon "$name" "$bin"
  echo "daemon: $("$bin" --version)"
  BUILDKIT_HOST=$(daemon_addr "$name") compare_patterns "$name" "$builtin"
  BUILDKIT_HOST=$(daemon_addr "$name") compare_caps "$name"
}

row_pin() {
  echo "daemon: $("$DFLLB_BIN/buildkitd" --version) ($BUILDKIT_HOST)"
  compare_patterns pin equal
  compare_caps pin
}

row_previous() {
  [ -x "$DFLLB_BIN/$BUILDKIT_PREVIOUS_VERSION/buildkitd" ] || bash "$DFLLB_SCRIPTS/install-tools.sh"
  row_buildkitd previous "$DFLLB_BIN/$BUILDKIT_PREVIOUS_VERSION/buildkitd" equal
}

row_oldest() {
  bash "$DFLLB_SCRIPTS/install-tools.sh" --buildkit "$BUILDKIT_OLDEST_VERSION" \
    || fail "building BuildKit $BUILDKIT_OLDEST_VERSION"
  row_buildkitd oldest "$DFLLB_BIN/$BUILDKIT_OLDEST_VERSION/buildkitd" report
}

# make_certs DIR: a CA, a server certificate for 127.0.0.1 and a client certificate, signed by it.
make_certs() {
  local dir=$1
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=dfllb-test-ca \
      -keyout ca-key.pem -out ca.pem 2>/dev/null
    local side
    for side in server client; do
      openssl req -newkey rsa:2048 -nodes -subj "/CN=dfllb-test-$side" \
        -keyout "$side-key.pem" -out "$side.csr" 2>/dev/null
      if [ "$side" = server ]; then
        printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$side.ext"
      else
        printf 'extendedKeyUsage=clientAuth\n' > "$side.ext"
      fi
      openssl x509 -req -in "$side.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 \
        -extfile "$side.ext" -out "$side.pem" 2>/dev/null
    done
  ) || fail "making certificates with openssl"
}

row_tls() {
  local certs=$WORK/certs port tcp pattern=$DFLLB_ROOT/tests/fixtures/patterns/2-python-app
  make_certs "$certs"
  port=$(free_port)
  tcp=tcp://127.0.0.1:$port
  start_daemon tls "$DFLLB_BIN/buildkitd" --tls "$tcp" "$certs"
  echo "daemon: $("$DFLLB_BIN/buildkitd" --version) on $tcp (TLS)"
  local frontend
  frontend=$(frontend_digest)
  local tls=(--addr "$tcp" --tlscacert "$certs/ca.pem" --tlscert "$certs/client.pem" --tlskey "$certs/client-key.pem")
  # The daemon's builtin frontend, on its unix socket.
  BUILDKIT_HOST=$(daemon_addr tls) "$DFLLB_ROOT/scripts/compare" --export "$WORK/builtin" --context "$pattern" \
    || fail "builtin build"
  # Control: without a client certificate the daemon refuses the connection.
  if buildctl --addr "$tcp" --tlscacert "$certs/ca.pem" debug workers >"$WORK/no-cert.log" 2>&1; then
    fail "buildctl without a client certificate was let in"
  fi
  echo "ok: refused without a client certificate: $(tail -n 1 "$WORK/no-cert.log" | cut -c1-160)"
  buildctl "${tls[@]}" build --progress=plain --frontend gateway.v0 --opt source=myorg/frontend \
    --local context="$pattern" --local dockerfile="$pattern" \
    --output "type=oci,dest=$WORK/buildctl,tar=false" >"$WORK/buildctl.log" 2>&1 \
    || { tail -n 30 "$WORK/buildctl.log"; fail "buildctl over TLS"; }
  expect_ours "buildctl over TLS ran our image" "$WORK/buildctl.log" "$frontend"
  "$DFLLB_ROOT/scripts/compare" --left-oci "$WORK/builtin/oci" --right-oci "$WORK/buildctl" | tee "$WORK/cmp1.txt"
  expect_in "buildctl over TLS: equal to the builtin" "$WORK/cmp1.txt" "compare: equal"

  local builder
  builder=$(daemon_buildx tls "$tcp" \
    "cacert=$certs/ca.pem,cert=$certs/client.pem,key=$certs/client-key.pem,servername=127.0.0.1")
  docker buildx build --builder "$builder" --progress=plain --provenance=false --sbom=false \
    --output "type=oci,dest=$WORK/buildx.tar" "$pattern" >"$WORK/buildx.log" 2>&1 \
    || { tail -n 30 "$WORK/buildx.log"; fail "buildx over TLS"; }
  docker buildx inspect "$builder" | grep -E '^ *(Endpoint|Status|BuildKit version):' || true
  expect_ours "buildx over TLS ran our image (# syntax=myorg/frontend)" "$WORK/buildx.log" "$frontend"
  mkdir -p "$WORK/buildx" && tar -xf "$WORK/buildx.tar" -C "$WORK/buildx"
  "$DFLLB_ROOT/scripts/compare" --left-oci "$WORK/builtin/oci" --right-oci "$WORK/buildx" | tee "$WORK/cmp2.txt"
  expect_in "buildx over TLS: equal to the builtin" "$WORK/cmp2.txt" "compare: equal"
}

# docker_oci DOCKER IMAGE DIR: `docker save` of IMAGE as an OCI layout in DIR (for scripts/compare).
docker_oci() {
  "$1" save -o "$3.tar" "$2" || fail "docker save $2"
  skopeo copy --quiet "docker-archive:$3.tar" "oci:$3" >/dev/null || fail "skopeo copy of $2"
}

# dockerfile_for SIDE DOCKERFILE OUT: the Dockerfile with its `# syntax=` line for SIDE: builtin
# (a plain comment: the daemon's own frontend), reference (dfllb/reference-frontend) or ours (as is).
dockerfile_for() {
  case $1 in
    builtin) sed "1s|.*|# (the daemon's builtin frontend)|" "$2" > "$3" ;;
    reference) sed "1s|.*|# syntax=dfllb/reference-frontend|" "$2" > "$3" ;;
    ours) cp "$2" "$3" ;;
  esac
}

# docker_side DOCKER SIDE DOCKERFILE CONTEXT OUT: DOCKER_BUILDKIT=1 docker build of DOCKERFILE with
# the `# syntax=` line of SIDE (dockerfile_for), the image as an OCI layout in OUT, the log in OUT.log.
docker_side() {
  local docker=$1 side=$2 dockerfile=$3 ctx=$4 out=$5
  dockerfile_for "$side" "$dockerfile" "$out.Dockerfile"
  DOCKER_BUILDKIT=1 "$docker" build --network host --progress=plain -f "$out.Dockerfile" \
    -t "dfllb-matrix/$(basename "$out"):$side" "$ctx" >"$out.log" 2>&1 \
    || { tail -n 30 "$out.log"; fail "$(basename "$out"): DOCKER_BUILDKIT=1 docker build ($side)"; }
  docker_oci "$docker" "dfllb-matrix/$(basename "$out"):$side" "$out"
}

# row_dockerd NAME DOCKERD DOCKER: Docker Engine DOCKERD (its containerd: Debian's, from the
# docker.io unpack) as daemon NAME; DOCKER is the client for `DOCKER_BUILDKIT=1 docker build`.
row_dockerd() {
  local name=$1 dockerd=$2 docker=$3 debian=$4
  at_exit dockerd_stop "$name"
  PATH=$debian/usr/bin:$PATH dockerd_start "$name" "$dockerd" || fail "starting $name"
  export DOCKER_HOST; DOCKER_HOST=$(dockerd_addr "$name")
  unset BUILDX_BUILDER   # the environment's builder; here `docker build` must use the engine's
  "$docker" version --format 'daemon: dockerd {{.Server.Version}} (client {{.Client.Version}})'
  docker buildx inspect default | grep -E '^ *(Driver|BuildKit version):' || true
  local frontend p ctx side code
  frontend=$(frontend_digest)
  for p in "${PATTERNS[@]}"; do
    ctx=$DFLLB_ROOT/tests/fixtures/patterns/$p
    # DOCKER_BUILDKIT=1 docker build, as the seed users run it.
    for side in builtin reference ours; do
      docker_side "$docker" "$side" "$ctx/Dockerfile" "$ctx" "$WORK/$p.$side"
    done
    expect_ours "$p: docker build ran our image" "$WORK/$p.ours.log" "$frontend"
    # docker buildx build with the docker driver (the machine's docker client and buildx plugin).
    docker buildx build --builder default --network host --progress=plain -t "dfllb-matrix/$p:buildx" "$ctx" \
      >"$WORK/$p.buildx.log" 2>&1 || { tail -n 30 "$WORK/$p.buildx.log"; fail "$p: docker buildx build"; }
    expect_ours "$p: docker buildx build ran our image" "$WORK/$p.buildx.log" "$frontend"
    docker_oci "$docker" "dfllb-matrix/$p:buildx" "$WORK/$p.buildx"
    for side in reference builtin; do
      code=0
      "$DFLLB_ROOT/scripts/compare" --left-oci "$WORK/$p.$side" --right-oci "$WORK/$p.ours" \
        > "$WORK/$p.ours-$side.txt" 2>&1 || code=$?
      judge "$p: docker build, ours vs the $side" "$([ "$side" = builtin ] && echo report || echo equal)" \
        "$WORK/$p.ours-$side.txt" "$code"
    done
    code=0
    "$DFLLB_ROOT/scripts/compare" --left-oci "$WORK/$p.reference" --right-oci "$WORK/$p.buildx" \
      > "$WORK/$p.buildx-reference.txt" 2>&1 || code=$?
    judge "$p: docker buildx build, ours vs docker build with the reference" equal "$WORK/$p.buildx-reference.txt" "$code"
  done
  # What depends on the daemon's capabilities (see compare_caps).
  ctx=$DFLLB_ROOT/tests/fixtures/daemon-caps
  local f
  for f in "$ctx"/*.Dockerfile; do
    f=$(basename "$f" .Dockerfile)
    for side in reference ours; do docker_side "$docker" "$side" "$ctx/$f.Dockerfile" "$ctx" "$WORK/caps-$f.$side"; done
    code=0
    "$DFLLB_ROOT/scripts/compare" --left-oci "$WORK/caps-$f.reference" --right-oci "$WORK/caps-$f.ours" \
      > "$WORK/caps-$f.txt" 2>&1 || code=$?
    judge "daemon-caps/$f: docker build, ours vs the reference image" equal "$WORK/caps-$f.txt" "$code"
  done
}

# debian_docker: the directory of Debian's docker.io, unpacked (install-tools.sh --docker-debian).
debian_docker() {
  bash "$DFLLB_SCRIPTS/install-tools.sh" --docker-debian || cannot_run "Debian's docker.io is not available from apt"
}

# Debian's docker.io: dockerd 20.10 and its own 20.10 client.
row_dockerd_debian() {
  local dir; dir=$(debian_docker)
  row_dockerd dockerd-debian "$dir/usr/sbin/dockerd" "$dir/usr/bin/docker" "$dir"
}

# A current dockerd built from the module proxy, the machine's docker client (whose `docker build`
# is buildx's, with the docker driver).
row_dockerd_current() {
  local dir; dir=$(debian_docker)
  bash "$DFLLB_SCRIPTS/install-tools.sh" --dockerd || fail "building dockerd $DOCKERD_VERSION"
  row_dockerd dockerd-current "$DFLLB_BIN/dockerd-$DOCKERD_VERSION/dockerd" "$(command -v docker)" "$dir"
}

if [ "${1:-}" = --row ]; then
  row=${2:?usage: $0 --row ROW}
  declare -F "row_${row//-/_}" >/dev/null 2>&1 || { echo "unknown row $row (rows: ${ROWS[*]})" >&2; exit 2; }
  source "$(dirname "$0")/e2e/common.bash"
  "row_${row//-/_}"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# The matrix: each row in a process of its own (its daemons are stopped when it ends).

# Nobody chose an environment: a private one, so a shared /tmp/dfllb-run is never touched.
[ -n "${DFLLB_RUN:-}" ] || DFLLB_RUN=$(mktemp -u /tmp/dfllb-matrix-env.XXXXXX)
export DFLLB_RUN
source "$(dirname "$0")/lib.sh"
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${ROWS[@]}")
for row in "${selected[@]}"; do
  [[ " ${ROWS[*]} " == *" $row "* ]] || { echo "unknown row $row (rows: ${ROWS[*]})" >&2; exit 2; }
done
LOGS=${DFLLB_MATRIX_LOGS:-$(mktemp -d /tmp/dfllb-matrix.XXXXXX)}
mkdir -p "$LOGS"

own_env=0
bash "$DFLLB_SCRIPTS/env-up.sh" --check || own_env=1
finish() {
  [ "$own_env" = 0 ] || bash "$DFLLB_SCRIPTS/env-down.sh" >>"$LOGS/env-down.log" 2>&1
}
trap finish EXIT
trap 'exit 130' INT TERM
if [ $own_env = 1 ]; then
  echo "environment: $DFLLB_RUN (new; logs in $LOGS)"
  bash "$DFLLB_SCRIPTS/env-up.sh" >"$LOGS/env-up.log" 2>&1 || { tail -n 30 "$LOGS/env-up.log"; exit 1; }
  # shellcheck source=/dev/null
  source "$DFLLB_RUN/env.sh"
  bash "$DFLLB_SCRIPTS/build-frontend-image.sh" >"$LOGS/frontend-image.log" 2>&1 \
    || { tail -n 30 "$LOGS/frontend-image.log"; exit 1; }
else
  # shellcheck source=/dev/null
  source "$DFLLB_RUN/env.sh"
  echo "environment: $DFLLB_RUN (running; frontend image as pushed there; logs in $LOGS)"
fi

failed=0
printf '%-16s %-8s %6s  %s\n' row result time daemon > "$LOGS/matrix.txt"
for row in "${selected[@]}"; do
  t0=$SECONDS code=0
  bash "$0" --row "$row" >"$LOGS/$row.log" 2>&1 </dev/null || code=$?
  daemon=$(sed -n 's/^daemon: //p' "$LOGS/$row.log" | head -n 1)
  case $code in
    0) result=pass ;;
    3) result="n/a"; daemon=$(tail -n 1 "$LOGS/$row.log") ;;
    *) result=FAIL; failed=1 ;;
  esac
  printf '%-16s %-8s %5ss  %s\n' "$row" "$result" $((SECONDS - t0)) "$daemon" | tee -a "$LOGS/matrix.txt"
  if [ "$result" = FAIL ]; then
    echo "---- last lines of $LOGS/$row.log ----"; tail -n 25 "$LOGS/$row.log"; echo "----"
  fi
done
echo "table: $LOGS/matrix.txt"
exit $failed
