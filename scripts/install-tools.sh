#!/usr/bin/env bash
# Installs (idempotently, cached) every external tool the tests use:
# buildkitd + buildctl and buildx built from the Go module proxy, runc and friends from Debian.
# A second run finds the cached binaries and does nothing.
#   install-tools.sh                    the pin (in $BIN) and the previous pin's buildkitd + buildctl
#                                       (in $BIN/$BUILDKIT_PREVIOUS_VERSION/, the default run's old daemon)
#   install-tools.sh --buildkit VERSION only buildkitd + buildctl of that release, in $BIN/VERSION/
#                                       (scripts/daemon-matrix.sh, for older daemons)
#   install-tools.sh --docker-debian    only Debian's docker.io (dockerd, docker, with containerd and
#                                       tini) unpacked, not installed, under $CACHE/docker.io/<version>/;
#                                       prints that directory (scripts/daemon-matrix.sh)
#   install-tools.sh --dockerd          only dockerd $DOCKERD_VERSION (moby) from the module proxy in
#                                       $BIN/dockerd-$DOCKERD_VERSION/ (scripts/daemon-matrix.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
CACHE=${DFLLB_CACHE:-$HOME/.cache/dockerfile-llb}
BIN="$CACHE/bin"
mkdir -p "$BIN"
# Concurrent runs (several test environments on one machine) wait for each other: one lock for
# $BIN, one per older release (so building one does not hold up an env-up that has the pin).
lock() { exec 9>"$CACHE/.install-tools$1.lock"; flock 9; }

log() { echo "[install-tools] $*" >&2; }

# BuildKit's go.mod carries `exclude` lines from v0.19 on, so `go install pkg@tag` refuses it;
# a throwaway wrapper module that requires the release builds the same binaries.
# The binaries carry the release in their version output (-X ldflags), so "is it installed" is
# answered by the binaries themselves: `<first binary> --version` (buildx: `version`) must name the pinned release.
# build_go_tools NAME MODULE VERSION DEST PACKAGE...: the packages' binaries of MODULE@VERSION in DEST.
build_go_tools() {
  local name=$1 module=$2 version=$3 dest=$4; shift 4
  local first; first=$(basename "$1")
  local ask=--version; [ "$first" = buildx ] && ask=version
  if [ -x "$dest/$first" ] && "$dest/$first" $ask 2>/dev/null | grep -q " $version\b"; then
    local ok=1 pkg
    for pkg in "$@"; do [ -x "$dest/$(basename "$pkg")" ] || ok=0; done
    [ $ok = 1 ] && return
  fi
  log "building $name $version from the Go module proxy into $dest (first run only)"
  mkdir -p "$dest"
  local work; work=$(mktemp -d)
  (
    cd "$work"
    go mod init "dfllb.local/$name-wrapper" >/dev/null 2>&1
    # A wrapper file importing the commands keeps `go` from dropping or upgrading the pin.
    {
      echo "//go:build dfllb_wrapper"
      echo "package tools"
      echo "import ("
      for pkg in "$@"; do echo "	_ \"$pkg\""; done
      echo ")"
    } > tools.go
    # Copy the release's own exclude/replace directives so resolution matches the release; before
    # the first `go get`, as older releases (v0.7) require versions only their replaces make exist.
    local gomod; gomod=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    [ -s "$gomod" ] || { log "no go.mod for $module@$version from the module proxy"; exit 1; }
    awk '/^(exclude|replace) \(/{p=1} p{print} /^\)/{p=0} /^(exclude|replace) [^(]/{print}' "$gomod" >> go.mod
    GOFLAGS=-mod=mod go get "$module@$version"
    for pkg in "$@"; do GOFLAGS=-mod=mod go get "$pkg@$version"; done
    local got; got=$(GOFLAGS=-mod=mod go list -m -f '{{.Version}}' "$module")
    [ "$got" = "$version" ] || { log "wanted $module $version, resolution gave $got"; exit 1; }
    for pkg in "$@"; do
      CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-s -w -X $module/version.Version=$version -X $module/version.Package=$module" \
        -o "$dest/" "$pkg"
    done
  )
  rm -rf "$work"
  rm -f "$dest/.$name-"*   # stamps of the earlier script version
}

install_debian_packages() {
  local missing=()
  command -v runc >/dev/null || missing+=(runc)
  command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
  command -v busybox >/dev/null && busybox --list >/dev/null 2>&1 && [ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v jq >/dev/null || missing+=(jq)
  # scripts/upstream-suite.sh rebuilds Debian's busybox with adduser/addgroup.
  local tool
  for tool in gcc make patch bzip2 xz; do
    command -v "$tool" >/dev/null || missing+=("$([ "$tool" = xz ] && echo xz-utils || echo "$tool")")
  done
  [ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# An older daemon: buildkitd and buildctl of release $1 in $BIN/$1/.
build_old_buildkit() {
  lock "-$1"
  build_go_tools "buildkit-$1" github.com/moby/buildkit "$1" "$BIN/$1" \
    github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl
}

# Debian's docker.io, the apt candidate, with the containerd and tini it depends on: unpacked
# with dpkg-deb instead of installed, so no service starts, /usr/bin/docker stays what it is and
# nothing else on the machine changes. Prints the directory (DIR/usr/sbin/dockerd, DIR/usr/bin/docker).
install_docker_debian() {
  lock -docker.io
  local version; version=$(apt-cache policy docker.io | awk '/Candidate:/ {print $2}')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    apt-get update -qq >/dev/null
    version=$(apt-cache policy docker.io | awk '/Candidate:/ {print $2}')
  fi
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then log "apt has no docker.io"; exit 1; fi
  local dest=$CACHE/docker.io/$version
  if [ ! -x "$dest/usr/sbin/dockerd" ] || [ ! -x "$dest/usr/bin/containerd" ]; then
    log "unpacking Debian's docker.io $version (first run only)"
    local work; work=$(mktemp -d)
    chown _apt "$work" 2>/dev/null || true   # apt downloads as _apt where it can write
    (cd "$work" && apt-get download -q=2 "docker.io=$version" containerd tini)
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    local deb
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest.tmp"; done
    rm -rf "$work" "$dest" && mv "$dest.tmp" "$dest"
  fi
  echo "$dest"
}

# A current Docker Engine: moby has no go.mod (the module proxy serves it as
# github.com/docker/docker vX+incompatible), but its vendor.mod lists the versions it is built
# with; a wrapper module requiring those builds cmd/dockerd as moby's hack/make/binary does
# (static, without the btrfs and devicemapper graph drivers).
build_dockerd() {
  local version=$DOCKERD_VERSION module=github.com/docker/docker dest=$BIN/dockerd-$DOCKERD_VERSION
  lock "-dockerd-$version"
  if [ -x "$dest/dockerd" ] && "$dest/dockerd" --version | grep -q "version ${version#v},"; then return; fi
  log "building dockerd $version from the Go module proxy into $dest (first run only)"
  mkdir -p "$dest"
  local work; work=$(mktemp -d)
  (
    cd "$work"
    local dir; dir=$(go mod download -json "$module@$version+incompatible" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -s "$dir/vendor.mod" ] || { log "no vendor.mod in $module@$version+incompatible"; exit 1; }
    {
      echo "module dfllb.local/dockerd-wrapper"
      echo "go $(go env GOVERSION | sed 's/^go//')"
      echo "require $module $version+incompatible"
      awk '/^(require|replace|exclude) \(/{p=1} p{print} /^\)/{p=0} /^(replace|exclude) [^(]/{print}' "$dir/vendor.mod"
    } > go.mod
    printf '//go:build dfllb_wrapper\npackage tools\nimport _ "%s/cmd/dockerd"\n' "$module" > tools.go
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -tags "exclude_graphdriver_btrfs exclude_graphdriver_devicemapper netgo osusergo" \
      -ldflags "-s -w -X $module/dockerversion.Version=${version#v} -X $module/dockerversion.GitCommit=module-proxy" \
      -o "$dest/" "$module/cmd/dockerd"
  )
  rm -rf "$work"
}

if [ "${1:-}" = --dockerd ]; then
  build_dockerd
  log "dockerd $DOCKERD_VERSION ready in $BIN/dockerd-$DOCKERD_VERSION"
  exit 0
fi
if [ "${1:-}" = --docker-debian ]; then
  install_docker_debian
  exit 0
fi
if [ "${1:-}" = --buildkit ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 [--buildkit VERSION | --docker-debian | --dockerd]" >&2; exit 2; }
  build_old_buildkit "$2"
  log "buildkit $2 ready in $BIN/$2"
  exit 0
fi

lock ""
install_debian_packages
build_go_tools buildkit github.com/moby/buildkit "$BUILDKIT_VERSION" "$BIN" \
  github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl \
  github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend
build_go_tools buildx github.com/docker/buildx "$BUILDX_VERSION" "$BIN" github.com/docker/buildx/cmd/buildx
# buildx as a CLI plugin of the docker client on this machine.
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
mkdir -p "$plugins"
ln -sf "$BIN/buildx" "$plugins/docker-buildx"
build_old_buildkit "$BUILDKIT_PREVIOUS_VERSION"
log "tools ready in $BIN"
