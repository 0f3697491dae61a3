#!/usr/bin/env bash
# Builds (once, cached) and pushes the offline base images into the environment's registry under
# their docker.io names, so Dockerfiles can say `FROM busybox`, `FROM debian:bookworm-slim`,
# `FROM gcc:12`, `FROM python:3.11-slim`. Also pushes dfllb/reference-frontend:latest: BuildKit's
# own Dockerfile frontend packaged as a gateway image, to exercise the `gateway.v0` path.
#
# Caches under $DFLLB_CACHE: rootfs/<key>.tar (root filesystems made from Debian packages) and
# images/<key>.oci.tar (OCI archives built from them by buildctl). A key names the recipe revision,
# so changing a recipe means bumping RECIPE. Pushing a cached archive is a plain copy (skopeo).
# Needs the environment of $DFLLB_RUN/env.sh (BUILDKIT_HOST, DFLLB_REGISTRY).
# Sourced (scripts/upstream-suite.sh does), it only defines the functions below; the caller takes
# the lock ($DFLLB_CACHE/.base-images.lock) around the ones that fill the cache.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${DFLLB_REGISTRY:?source \$DFLLB_RUN/env.sh first}" "${BUILDKIT_HOST:?source \$DFLLB_RUN/env.sh first}"

RECIPE=r1
ROOTFS=$DFLLB_CACHE/rootfs
IMAGES=$DFLLB_CACHE/images
mkdir -p "$ROOTFS" "$IMAGES"
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# busybox: the static busybox of Debian's busybox-static, one symlink per applet, passwd/group.
rootfs_busybox() {
  local out=$1 stage; stage=$(mktemp -d)
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,home,root,tmp,var/spool/mail,var/www,dev,proc,sys}
  chmod 700 "$stage/root"; chmod 1777 "$stage/tmp"
  cp /bin/busybox "$stage/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list-full); do
    [ "$applet" = bin/busybox ] || ln -s /bin/busybox "$stage/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$stage/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$stage/etc/group"
  tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$stage" -cf "$out" .
  rm -rf "$stage"
}

# Debian bookworm, minbase variant, from the host's apt sources (the only Debian mirror reachable
# here), without docs/man pages/locales and device nodes; extra packages as arguments.
rootfs_debian() {
  local out=$1; shift
  local include=(); [ $# -eq 0 ] || include=(--include="$(IFS=,; echo "$*")")
  local sources=/etc/apt/sources.list.d/debian.sources
  [ -f "$sources" ] || sources=/etc/apt/sources.list
  mmdebstrap --quiet --format=tar --variant=minbase "${include[@]}" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --skip=output/dev \
    bookworm "$out" "$sources"
}

# cached_rootfs KEY MAKER [ARGS...]: runs `MAKER OUT ARGS...` once; prints the path of the cached rootfs tarball, making it once.
cached_rootfs() {
  local key=$1; shift
  local out="$ROOTFS/$key.tar"
  if [ ! -s "$out" ]; then
    log "making root filesystem $key (first run only)"
    local tmp="$ROOTFS/.tmp.$$.$key.tar"   # ends in .tar: mmdebstrap picks its format by name
    "$1" "$tmp" "${@:2}" >&2
    mv "$tmp" "$out"
  fi
  echo "$out"
}

# cached_archive KEY CONTEXT: builds the Dockerfile in CONTEXT once into images/KEY.oci.tar.
cached_archive() {
  local key=$1 context=$2 out="$IMAGES/$1.oci.tar"
  [ -s "$out" ] && return
  log "building image archive $key (first run only)"
  local tmp="$out.tmp.$$"
  if ! buildctl build --progress=plain --frontend dockerfile.v0 \
      --local context="$context" --local dockerfile="$context" \
      --output type=oci,dest="$tmp" >"$tmp.log" 2>&1; then
    tail -40 "$tmp.log" >&2; rm -f "$tmp" "$tmp.log"; die "building $key failed"
  fi
  rm -f "$tmp.log"
  mv "$tmp" "$out"
}

# push ARCHIVE REPO:TAG: copies the archive into the registry unless that tag is already there.
push() {
  local archive=$1 ref=$2
  local repo=${ref%:*} tag=${ref##*:}
  if curl -fsS -o /dev/null -I \
      -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' \
      "http://$DFLLB_REGISTRY/v2/$repo/manifests/$tag" 2>/dev/null; then
    return
  fi
  skopeo copy --quiet --dest-tls-verify=false "oci-archive:$archive" "docker://$DFLLB_REGISTRY/$ref" >&2
  log "pushed $DFLLB_REGISTRY/$ref"
}

# rootfs_archive NAME TAG ROOTFS_TAR DOCKERFILE_TAIL: FROM scratch + the rootfs + config lines,
# built once into images/NAME-TAG-$RECIPE.oci.tar; prints the archive's path.
rootfs_archive() {
  local name=$1 tag=$2 rootfs=$3 tail=$4
  local key="$name-$tag-$RECIPE"
  if [ ! -s "$IMAGES/$key.oci.tar" ]; then
    local ctx; ctx=$(mktemp -d)
    ln "$rootfs" "$ctx/rootfs.tar" 2>/dev/null || cp "$rootfs" "$ctx/rootfs.tar"
    printf 'FROM scratch\nADD rootfs.tar /\nENV PATH=%s\n%s\n' "$DEFAULT_PATH" "$tail" > "$ctx/Dockerfile"
    cached_archive "$key" "$ctx"
    rm -rf "$ctx"
  fi
  echo "$IMAGES/$key.oci.tar"
}

# rootfs_image NAME TAG ROOTFS_TAR DOCKERFILE_TAIL: rootfs_archive, pushed as library/NAME:TAG.
rootfs_image() {
  local archive; archive=$(rootfs_archive "$@")
  push "$archive" "library/$1:$2"
}

reference_frontend_image() {
  local key="reference-frontend-$BUILDKIT_VERSION-$RECIPE"
  if [ ! -s "$IMAGES/$key.oci.tar" ]; then
    local ctx; ctx=$(mktemp -d)
    cp "$DFLLB_BIN/dockerfile-frontend" "$ctx/"
    # The labels of the official docker/dockerfile image: no network, and the caps it implements.
    cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY dockerfile-frontend /bin/dockerfile-frontend
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/dockerfile-frontend"]
DOCKERFILE
    cached_archive "$key" "$ctx"
    rm -rf "$ctx"
  fi
  push "$IMAGES/$key.oci.tar" "dfllb/reference-frontend:latest"
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

# Two env-up runs at once must not build the same cache entry twice.
exec 9>"$DFLLB_CACHE/.base-images.lock"
flock 9

rootfs_image busybox latest "$(cached_rootfs "busybox-$RECIPE" rootfs_busybox)" 'CMD ["sh"]'
debian=$(cached_rootfs "debian-bookworm-slim-$RECIPE" rootfs_debian)
rootfs_image debian bookworm-slim "$debian" 'CMD ["bash"]'
gcc=$(cached_rootfs "gcc-12-$RECIPE" rootfs_debian gcc libc6-dev)
rootfs_image gcc 12 "$gcc" 'CMD ["bash"]'
python=$(cached_rootfs "python-3.11-slim-$RECIPE" rootfs_debian python3 python-is-python3)
rootfs_image python 3.11-slim "$python" $'ENV LANG=C.UTF-8\nCMD ["python3"]'
reference_frontend_image
