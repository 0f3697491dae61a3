#!/usr/bin/env bash
# BuildKit's own Dockerfile-frontend integration suite (package
# github.com/moby/buildkit/frontend/dockerfile, test TestIntegration, $BUILDKIT_VERSION) run three
# ways on the OCI worker, offline:
#   builtin    FRONTEND_BUILTIN_ONLY=1                      the daemon's built-in dockerfile.v0
#   reference  FRONTEND_GATEWAY_ONLY=local:<archive>        dfllb/reference-frontend (gateway.v0)
#   ours       FRONTEND_GATEWAY_ONLY=local:<archive>        myorg/frontend (gateway.v0)
# then prints pass/fail/skip per side and every test that passes with the reference image and fails
# with ours. Exit 1 when such a test is not in scripts/upstream-suite.known (reviewed differences).
#
#   scripts/upstream-suite.sh [--run REGEX] [--only builtin|reference|ours]... [--parallel N]
#                             [--timeout DURATION] [--logs DIR]
#
# --run REGEX      a subset, as for `go test -run`: 'TestIntegration/TestCopy.*', 'TestCopy.*|TestAdd.*'
#                  (one level: becomes TestIntegration/(?:REGEX)/worker=oci), or several levels
#                  ('TestFoo/worker=oci/frontend=.*/security.insecure=granted').
# --only SIDE      run only that side (repeatable). Without the reference side, its results are
#                  taken from the newest earlier run that has them (said so in the output).
# --parallel N     concurrent tests (= buildkitd sandboxes); default: the number of cores.
# --timeout D      -test.timeout of one side (default 10m).
# --logs DIR       where this run's logs go (default $DFLLB_SUITE_LOGS/run-<time>, see below).
#
# Cached under $DFLLB_CACHE/upstream-suite (a second run builds nothing):
#   dockerfile-<buildkit>-<go>.test   the suite's test binary (`go test -c` in a wrapper module)
#   busybox-<debian version>-<rev>    Debian's static busybox rebuilt from Debian's source package
#                                     with adduser/addgroup/deluser/delgroup (the official image has them)
#   mirror-<rev>/                     BUILDKIT_REGISTRY_MIRROR_DIR: registry storage holding offline
#                                     stand-ins for the images the harness would pull from Docker Hub
# Logs: $DFLLB_SUITE_LOGS (default /tmp/dfllb-upstream-suite)/run-<time>/<side>/{output.json,
# results.tsv,tests/<test>.log}, `latest` points at the newest run; the 5 newest runs are kept
# (and the newest with reference results).
# Needs the environment of scripts/env-up.sh (sourced from $DFLLB_RUN/env.sh when unset) and root.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$DFLLB_ROOT"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

RUN_PATTERN='.*/worker=oci'
SIDES=()
PARALLEL=$(nproc)
TIMEOUT=10m
LOGS=
while [ $# -gt 0 ]; do
  case "$1" in
    --run) RUN_PATTERN=$2; shift 2 ;;
    --only)
      case "$2" in builtin|reference|ours) SIDES+=("$2") ;; *) usage ;; esac
      shift 2 ;;
    --parallel) PARALLEL=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
[ ${#SIDES[@]} -gt 0 ] || SIDES=(builtin reference ours)
# `go test -run` splits a pattern at top-level '|' first, then at '/': a one-level pattern is
# wrapped, so 'TestA|TestB' means TestIntegration/(?:TestA|TestB)/worker=oci.
RUN_PATTERN=${RUN_PATTERN#TestIntegration/}
case "$RUN_PATTERN" in
  */*) RUN_PATTERN="TestIntegration/$RUN_PATTERN"
       case "$RUN_PATTERN" in *worker=oci*) ;; *) log "warning: $RUN_PATTERN names no worker=oci (only the OCI worker works here)" ;; esac ;;
  *) RUN_PATTERN="TestIntegration/(?:$RUN_PATTERN)/worker=oci" ;;
esac

[ "$(id -u)" = 0 ] || die "run as root: the harness starts buildkitd with runc"
if [ -z "${BUILDKIT_HOST:-}" ] || [ -z "${DFLLB_REGISTRY:-}" ]; then
  [ -f "$DFLLB_RUN/env.sh" ] || die "no environment in $DFLLB_RUN: bash scripts/env-up.sh first"
  # shellcheck source=/dev/null
  source "$DFLLB_RUN/env.sh"
fi
command -v go >/dev/null || die "needs Go (builds the suite's test binary)"

SUITE=$DFLLB_CACHE/upstream-suite
KNOWN=$DFLLB_SCRIPTS/upstream-suite.known
LOGROOT=${DFLLB_SUITE_LOGS:-/tmp/dfllb-upstream-suite}
# Revision of the stand-in images and of the mirror built from them: bump after changing a recipe.
STANDIN_RECIPE=s2
BUSYBOX_RECIPE=b1   # the same for the busybox build
mkdir -p "$SUITE" "$LOGROOT"

# One suite run at a time on this machine: each side starts a buildkitd per test.
exec 8>"$SUITE/.run.lock"
flock -n 8 || { log "waiting for another upstream-suite run to finish"; flock 8; }

# ---------------------------------------------------------------------------------------------
# 1. The test binary: BuildKit's go.mod has exclude/replace lines, so a wrapper module that
#    requires the release (and repeats those lines) builds `go test -c` of the package.
suite_binary() {
  local bin; bin="$SUITE/dockerfile-$BUILDKIT_VERSION-$(go env GOVERSION).test"
  if [ ! -x "$bin" ]; then
    log "building the suite's test binary (BuildKit $BUILDKIT_VERSION, first run only)"
    local work="$SUITE/wrapper"
    rm -rf "$work"; mkdir -p "$work"
    (
      cd "$work"
      go mod init dfllb.local/upstream-suite-wrapper >/dev/null 2>&1
      # Importing the package keeps `go` from dropping the pin.
      printf '//go:build dfllb_wrapper\npackage tools\nimport _ "github.com/moby/buildkit/frontend/dockerfile"\n' > tools.go
      GOFLAGS=-mod=mod go get "github.com/moby/buildkit@$BUILDKIT_VERSION"
      local gomod; gomod=$(GOFLAGS=-mod=mod go list -m -f '{{.GoMod}}' github.com/moby/buildkit)
      awk '/^(exclude|replace) \(/{p=1} p{print} /^\)/{p=0} /^(exclude|replace) [^(]/{print}' "$gomod" >> go.mod
      local got; got=$(GOFLAGS=-mod=mod go list -m -f '{{.Version}}' github.com/moby/buildkit)
      [ "$got" = "$BUILDKIT_VERSION" ] || die "wanted buildkit $BUILDKIT_VERSION, resolution gave $got"
      GOFLAGS=-mod=mod go test -c -o "$bin.tmp" github.com/moby/buildkit/frontend/dockerfile
    ) >"$SUITE/build.log" 2>&1 || { tail -30 "$SUITE/build.log" >&2; die "building the test binary failed ($SUITE/build.log)"; }
    mv "$bin.tmp" "$bin"
  fi
  echo "$bin"
}

# ---------------------------------------------------------------------------------------------
# 2. Stand-in images. The harness copies busybox:latest, alpine:latest, busybox:stable-musl
#    (amd64, pinned digests), tonistiigi/hellofs:latest and amd64/debian:bullseye-20230109-slim
#    into its mirror registry unless the tag is already there; the mirror lives in
#    BUILDKIT_REGISTRY_MIRROR_DIR, so seeding that storage makes the suite offline.

# Debian's busybox-static leaves out adduser/addgroup; the official busybox image has them and the
# suite uses them (RUN adduser -D user). Same Debian source package and static config, plus those
# applets (and upstream's default uid ranges for them).
suite_busybox() {
  local version; version=$(dpkg-query -W -f '${source:Version}' busybox-static)
  local out="$SUITE/busybox-${version//:/_}-$BUSYBOX_RECIPE"
  if [ ! -x "$out" ]; then
    log "building busybox $version with adduser/addgroup from Debian's source package (first run only)"
    local work="$SUITE/busybox-build"
    rm -rf "$work"; mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/sources.list.d"
    # deb-src twins of the host's Debian sources, in a private apt state (the host's is untouched).
    local src
    for src in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
      [ -s "$src" ] || continue
      case "$src" in
        *.sources) sed 's/^Types: deb$/Types: deb-src/' "$src" > "$work/apt/sources.list.d/debian.sources" ;;
        *) grep '^deb ' "$src" | sed 's/^deb /deb-src /' > "$work/apt/sources.list.d/debian.list" || true ;;
      esac
      break
    done
    local apt=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
               -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
               -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    (
      cd "$work"
      apt-get "${apt[@]}" update
      apt-get "${apt[@]}" source --download-only "busybox=$version"
      mkdir src
      tar -xjf busybox_*.orig.tar.bz2 -C src --strip-components=1
      tar -xJf busybox_*.debian.tar.xz -C src
      cd src
      local p
      for p in $(grep -v '^#' debian/patches/series | grep .); do patch -p1 -s < "debian/patches/$p"; done
      cat debian/config/os/linux debian/config/pkg/static |
        sed -E 's/^CONFIG_LAST_ID=.*/CONFIG_LAST_ID=60000/; s/^CONFIG_FIRST_SYSTEM_ID=.*/CONFIG_FIRST_SYSTEM_ID=100/;
                s/^CONFIG_LAST_SYSTEM_ID=.*/CONFIG_LAST_SYSTEM_ID=999/
                s/^# CONFIG_(ADDGROUP|FEATURE_ADDUSER_TO_GROUP|ADDUSER|DELUSER|DELGROUP|FEATURE_DEL_USER_FROM_GROUP) is not set$/CONFIG_\1=y/' > .config
      yes "" | KCONFIG_NOTIMESTAMP=1 make silentoldconfig
      make -j"$(nproc)" busybox BB_EXTRA_VERSION="Debian $version, dfllb stand-in"
      ./busybox --list | grep -qx adduser
    ) >"$SUITE/busybox-build.log" 2>&1 || { tail -30 "$SUITE/busybox-build.log" >&2; die "building busybox failed ($SUITE/busybox-build.log)"; }
    cp "$work/src/busybox" "$out.tmp" && mv "$out.tmp" "$out"
    rm -rf "$work"
  fi
  echo "$out"
}

# rootfs_busybox_official OUT BUSYBOX [ALPINE_RELEASE]: the users and groups of the official
# busybox image (buildroot's skeleton). busybox: like the official image, every applet a hard link
# in /bin (the suite runs /bin/awk); alpine stand-in (ALPINE_RELEASE given): Alpine's layout, applets
# as symlinks where busybox puts them, and /etc/alpine-release.
rootfs_busybox_official() {
  local out=$1 busybox=$2 alpine=${3:-} stage; stage=$(mktemp -d)
  mkdir -p "$stage"/{bin,etc,home,root,tmp,usr/sbin,var/spool/mail,var/www,dev,proc,sys}
  chmod 700 "$stage/root"; chmod 1777 "$stage/tmp"
  cp "$busybox" "$stage/bin/busybox"
  local applet
  if [ -z "$alpine" ]; then
    for applet in $("$busybox" --list); do
      [ "$applet" = busybox ] || ln "$stage/bin/busybox" "$stage/bin/$applet"
    done
  else
    mkdir -p "$stage"/{sbin,usr/bin}
    for applet in $("$busybox" --list-full); do
      [ "$applet" = bin/busybox ] || ln -s /bin/busybox "$stage/$applet"
    done
  fi
  cat > "$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
  cat > "$stage/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nobody:x:65534:
EOF
  local user
  for user in root daemon bin sys sync mail www-data operator nobody; do
    echo "$user:*:10933:0:99999:7:::"
  done > "$stage/etc/shadow"
  chmod 600 "$stage/etc/shadow"
  [ -z "$alpine" ] || echo "$alpine" > "$stage/etc/alpine-release"
  tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$stage" -cf "$out" .
  rm -rf "$stage"
}

# hellofs: the suite copies /hellofs (a FUSE demo) out of it; FUSE tests cannot pass here anyway.
hellofs_archive() {
  local key="hellofs-standin-$STANDIN_RECIPE"
  if [ ! -s "$IMAGES/$key.oci.tar" ]; then
    local ctx; ctx=$(mktemp -d)
    printf '#!/bin/sh\necho "hellofs: offline stand-in of tonistiigi/hellofs, no FUSE" >&2\nexit 1\n' > "$ctx/hellofs"
    chmod 755 "$ctx/hellofs"
    printf 'FROM scratch\nCOPY hellofs /hellofs\n' > "$ctx/Dockerfile"
    cached_archive "$key" "$ctx"
    rm -rf "$ctx"
  fi
  echo "$IMAGES/$key.oci.tar"
}

# The mirror storage, seeded once through a private registry on a free port of 127.0.0.1.
suite_mirror() {
  local mirror="$SUITE/mirror-$STANDIN_RECIPE"
  if [ ! -f "$mirror/.seeded" ]; then
    log "seeding the suite's mirror $mirror with offline stand-ins (first run only)"
    local busybox; busybox=$(suite_busybox)
    (
      exec 9>"$DFLLB_CACHE/.base-images.lock"; flock 9
      local bb alpine debian
      bb=$(cached_rootfs "busybox-official-$STANDIN_RECIPE" rootfs_busybox_official "$busybox")
      alpine=$(cached_rootfs "alpine-standin-$STANDIN_RECIPE" rootfs_busybox_official "$busybox" 3.18.4)
      debian=$(cached_rootfs "debian-bookworm-slim-$RECIPE" rootfs_debian)
      {
        echo "library/busybox:latest $(rootfs_archive busybox-official "$STANDIN_RECIPE" "$bb" 'CMD ["sh"]')"
        echo "library/busybox:stable-musl $(rootfs_archive busybox-official "$STANDIN_RECIPE" "$bb" 'CMD ["sh"]')"
        echo "library/alpine:latest $(rootfs_archive alpine-standin "$STANDIN_RECIPE" "$alpine" 'CMD ["/bin/sh"]')"
        echo "amd64/debian:bullseye-20230109-slim $(rootfs_archive debian bookworm-slim "$debian" 'CMD ["bash"]')"
        echo "tonistiigi/hellofs:latest $(hellofs_archive)"
      } > "$SUITE/standins.list"
    )
    rm -rf "$SUITE"/mirror-*; mkdir -p "$mirror"   # earlier recipes' mirrors too
    local port; port=$(free_port)
    local cfg; cfg=$(mktemp)
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
      "$mirror/data" "$port" > "$cfg"
    /usr/bin/docker-registry serve "$cfg" >"$SUITE/mirror-seed.log" 2>&1 &
    local pid=$!
    wait_for 20 "the seeding registry" curl -fsS "http://127.0.0.1:$port/v2/" || { kill "$pid"; die "registry did not start ($SUITE/mirror-seed.log)"; }
    local ref archive ok=1
    while read -r ref archive; do
      skopeo copy --quiet --dest-tls-verify=false "oci-archive:$archive" "docker://127.0.0.1:$port/$ref" >&2 || ok=0
    done < "$SUITE/standins.list"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$cfg"
    [ $ok = 1 ] || die "seeding the mirror failed"
    cut -d' ' -f1 "$SUITE/standins.list" > "$mirror/.seeded"
  fi
  echo "$mirror"
}

# ---------------------------------------------------------------------------------------------
# 3. The frontend images, as OCI archives (the harness copies local:<archive> into its mirror).
registry_has() {
  curl -fsS -o /dev/null -I \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
    "http://$DFLLB_REGISTRY/v2/${1%:*}/manifests/${1##*:}"
}

export_image() {  # export_image REPO:TAG ARCHIVE
  skopeo copy --quiet --src-tls-verify=false "docker://$DFLLB_REGISTRY/$1" "oci-archive:$2" >&2
  log "$1 = $(tar -xOf "$2" index.json | jq -r '.manifests[0].digest') -> $2"
}

# ---------------------------------------------------------------------------------------------
# shellcheck source=base-images.sh
source "$DFLLB_SCRIPTS/base-images.sh"   # functions only: cached_rootfs, rootfs_debian, rootfs_archive, ...

BIN=$(suite_binary)
MIRROR=$(suite_mirror)

if [ -z "$LOGS" ]; then
  LOGS="$LOGROOT/run-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$LOGS"
  ln -sfn "$(basename "$LOGS")" "$LOGROOT/latest"
  # The 5 newest runs stay, and the newest with reference results (--only ours compares with it).
  keep_ref=$(ls -1t "$LOGROOT"/run-*/reference/results.tsv 2>/dev/null | head -1 || true)
  keep_ref=${keep_ref%/reference/results.tsv}
  # shellcheck disable=SC2012
  { ls -1dt "$LOGROOT"/run-* 2>/dev/null || true; } | tail -n +6 | while read -r old; do
    [ "$old" = "$keep_ref" ] || rm -rf "$old"
  done
fi
mkdir -p "$LOGS/images"
LOGS=$(cd "$LOGS" && pwd)

for side in "${SIDES[@]}"; do
  case $side in
    ours)
      registry_has myorg/frontend:latest || bash scripts/build-frontend-image.sh >&2
      export_image myorg/frontend:latest "$LOGS/images/ours.oci.tar" ;;
    reference)
      registry_has dfllb/reference-frontend:latest || bash scripts/base-images.sh >&2
      export_image dfllb/reference-frontend:latest "$LOGS/images/reference.oci.tar" ;;
  esac
done

# The harness wants `registry` (distribution) on PATH, plus buildkitd, buildctl and runc.
PRIVBIN="$SUITE/path"
mkdir -p "$PRIVBIN"
ln -sfn /usr/bin/docker-registry "$PRIVBIN/registry"
command -v runc >/dev/null || die "runc missing: bash scripts/install-tools.sh"

# run_side SIDE: the suite on one side; test2json events in SIDE/output.json.
run_side() {
  local side=$1 dir="$LOGS/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  local frontend
  case $side in
    builtin) frontend=(FRONTEND_BUILTIN_ONLY=1) ;;
    *) frontend=(FRONTEND_GATEWAY_ONLY="local:$LOGS/images/$side.oci.tar") ;;
  esac
  log "$side: $RUN_PATTERN (parallel $PARALLEL, logs $dir)"
  local t0=$EPOCHREALTIME
  # Each test gets its own buildkitd (state under /tmp/bktest_buildkitd*); GOMAXPROCS bounds both
  # the harness's sandbox limiter and -test.parallel.
  (cd "$dir" && env -u BUILDKIT_HOST -u TEST_DOCKERD -u BUILDKIT_WORKER_RANDOM \
    PATH="$PRIVBIN:$DFLLB_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    BUILDKIT_REGISTRY_MIRROR_DIR="$MIRROR" GOMAXPROCS="$PARALLEL" "${frontend[@]}" \
    "$BIN" -test.run="$RUN_PATTERN" -test.v=test2json -test.parallel="$PARALLEL" -test.timeout="$TIMEOUT" 2>&1 |
    go tool test2json -t -p github.com/moby/buildkit/frontend/dockerfile > output.json) || true
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' > "$dir/wall-seconds"
  # Tags the harness added (buildkit_test/<id> per gateway run) would pile up in the cached mirror.
  rm -rf "$MIRROR/data/docker/registry/v2/repositories/buildkit_test"
}

for side in "${SIDES[@]}"; do run_side "$side"; done
/usr/bin/docker-registry garbage-collect "$MIRROR/config.yaml" >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------
# 4. Per-test logs and results, the table, the differences, the check against the known list.
python3 - "$LOGS" "$LOGROOT" "$KNOWN" "${SIDES[@]}" <<'PY'
import json, os, re, sys

logs, logroot, known_file, sides = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
LEAF = re.compile(r"^TestIntegration/(?:slice=[^/]+/)?(Test[^/]+)/worker=oci((?:/(?:frontend|security\.insecure|network\.host|env)=[^/]+)+)$")

def short(name):
    m = LEAF.match(name)
    if not m:
        return None
    extra = [p for p in m.group(2).split("/")[1:] if not p.startswith("frontend=")]
    return "/".join([m.group(1)] + extra)

def parse(side):
    d = os.path.join(logs, side)
    out, status, elapsed, fatal, text = {}, {}, {}, [], []
    with open(os.path.join(d, "output.json"), errors="replace") as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            t = ev.get("Test")
            if ev["Action"] == "output":
                out.setdefault(t, []).append(ev.get("Output", ""))
                text.append(ev.get("Output", ""))
                o = ev.get("Output", "")
                if t is None and (o.startswith("panic:") or "test timed out" in o):
                    fatal.append(o.strip())
            elif ev["Action"] in ("pass", "fail", "skip") and t:
                status[t] = ev["Action"]
                elapsed[t] = ev.get("Elapsed", 0)
    os.makedirs(os.path.join(d, "tests"), exist_ok=True)
    results = {}
    for t, st in status.items():
        s = short(t)
        if s is None:
            continue
        results[s] = st
        # the test's own output and its subtests'
        own = "".join(out.get(t, []))
        for sub, lines in out.items():
            if sub and sub.startswith(t + "/"):
                own += "".join(lines)
        with open(os.path.join(d, "tests", s.replace("/", "__") + ".log"), "w") as f:
            f.write(own)
    with open(os.path.join(d, "results.tsv"), "w") as f:
        for s in sorted(results):
            f.write("%s\t%s\n" % (s, results[s]))
    with open(os.path.join(d, "output.txt"), "w") as f:
        f.write("".join(text))
    return results, fatal

def first_error(side, test):
    p = os.path.join(logs, side, "tests", test.replace("/", "__") + ".log")
    try:
        lines = open(p, errors="replace").read().splitlines()
    except OSError:
        return "(no log)"
    for i, l in enumerate(lines):
        m = re.match(r"^\s*Error:\s*(.*)$", l)
        if m:
            msg = m.group(1).strip()
            follow = []
            for n in lines[i + 1:i + 4]:
                if re.match(r"^\s*(Test|Messages|Error Trace):", n):
                    break
                follow.append(n.strip())
            if msg.endswith(":") and follow:
                msg += " " + (" / ".join(follow[:2]) if msg.startswith("Not equal") else follow[0])
            return msg[:400]
    for l in lines:
        if re.search(r"panic:|\.go:\d+: ", l) and "RunCmd" not in l and "StartCmd" not in l:
            return l.strip()[:400]
    return "(no error line found)"

def read_results(path):
    r = {}
    with open(path) as f:
        for line in f:
            name, st = line.rstrip("\n").split("\t")
            r[name] = st
    return r

results, walls, broken = {}, {}, []
for side in sides:
    results[side], fatal = parse(side)
    walls[side] = open(os.path.join(logs, side, "wall-seconds")).read().strip()
    if fatal or not results[side]:
        broken.append((side, fatal[:3] or ["no test results in output.json"]))

ref_note = None
if "reference" not in results and "ours" in results:
    runs = sorted((d for d in os.listdir(logroot) if d.startswith("run-")), reverse=True)
    for d in runs:
        p = os.path.join(logroot, d, "reference", "results.tsv")
        if os.path.join(logroot, d) != logs and os.path.isfile(p) and os.path.getsize(p):
            results["reference"] = read_results(p)
            ref_note = os.path.join(logroot, d, "reference")
            break

print()
print("%-10s %5s %5s %5s %6s %8s" % ("side", "pass", "fail", "skip", "total", "wall(s)"))
for side in ("builtin", "reference", "ours"):
    if side in results:
        r = results[side]
        c = {k: sum(1 for v in r.values() if v == k) for k in ("pass", "fail", "skip")}
        wall = walls.get(side, "-")
        print("%-10s %5d %5d %5d %6d %8s%s" % (side, c["pass"], c["fail"], c["skip"], len(r), wall,
              "" if side in walls else "   (earlier run: %s)" % ref_note))

known = {}
if os.path.exists(known_file):
    for line in open(known_file):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        known[parts[0]] = (parts[1] if len(parts) > 1 else "?", parts[2] if len(parts) > 2 else "")

code = 0
if "ours" in results and "reference" not in results:
    print()
    print("no reference results to compare with: run with --only reference (or all sides) once")
if "ours" in results and "reference" in results:
    ref, ours = results["reference"], results["ours"]
    diff = sorted(t for t, st in ours.items() if st == "fail" and ref.get(t) == "pass")
    print()
    print("passes with the reference image, fails with ours: %d" % len(diff))
    unknown = []
    with open(os.path.join(logs, "differences.tsv"), "w") as f:
        for t in diff:
            issue, reason = known.get(t, (None, None))
            err = first_error("ours", t)
            tag = "known #%s" % issue if issue else "NEW"
            print("  %-62s %s" % (t, tag))
            print("      %s" % err)
            f.write("%s\t%s\t%s\n" % (t, issue or "", err))
            if not issue:
                unknown.append(t)
    gone = sorted(t for t in known if t in ours and t not in diff)
    if gone:
        print()
        print("in %s but no longer different (remove them):" % os.path.relpath(known_file))
        for t in gone:
            print("  %s  (ours: %s, reference: %s)" % (t, ours[t], ref.get(t, "not run")))
    if unknown:
        print()
        print("error: %d difference(s) not in %s:" % (len(unknown), os.path.relpath(known_file)))
        for t in unknown:
            print("  " + t)
        code = 1
for side, fatal in broken:
    print("error: the %s run broke: %s" % (side, " | ".join(fatal)))
    code = 1
print()
print("logs: %s/<side>/tests/<test>.log (per side also results.tsv, output.txt, output.json)" % logs)
sys.exit(code)
PY
