#!/usr/bin/env bash
# Named contexts (issue 10), ours against the reference on one daemon, no internet: the test
# serves a git repository (`git daemon` on 127.0.0.1: a tag, a branch, a subdirectory, a
# submodule) and HTTPS files (python's http.server behind TLS, with a CA it makes and gives to a
# buildkitd of its own through SSL_CERT_FILE), and builds
#   1. through buildctl with scripts/compare, one Dockerfile using every kind of context
#      (docker-image://, local:, git tag:subdir, git query form, https file, oci-layout://, a
#      stage replaced by a directory, a FROM image replaced by another, a --from image replaced);
#   2. with `docker buildx build --build-context` (directory, image, git URL, https URL, OCI layout),
#      `# syntax=myorg/frontend` against the same Dockerfile without it (the builtin frontend);
#   3. with `docker buildx bake`, a file whose two targets share a stage through
#      `contexts = { base = "target:base" }` (a frontend input), ours against the builtin.
source "$(dirname "$0")/common.bash"
COMPARE=(python3 scripts/compare)

# --- servers ---------------------------------------------------------------------------------
certs=$WORK/certs; mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dfllb test CA" \
  -keyout "$certs/ca-key.pem" -out "$certs/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$certs/server-key.pem" -out "$certs/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$certs/ext.cnf"
openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$certs/ext.cnf" -out "$certs/server.pem" 2>/dev/null

www=$WORK/www; mkdir -p "$www/src"
echo "from https" > "$www/single.txt"
echo "in the tarball" > "$www/src/packed.txt"
tar -C "$www/src" -czf "$www/files.tar.gz" packed.txt
https_port=$(free_port)
python3 - "$www" "$https_port" "$certs" > "$WORK/https.log" 2>&1 <<'PY' &
import functools, http.server, ssl, sys
root, port, certs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{certs}/server.pem", f"{certs}/server-key.pem")
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
at_exit kill $!
wait_for 20 "https server" curl -fsS --cacert "$certs/ca.pem" "https://127.0.0.1:$https_port/single.txt" -o /dev/null
HTTPS="https://127.0.0.1:$https_port"

git_root=$WORK/git; mkdir -p "$git_root"
git_port=$(free_port)
GIT="git -c user.name=test -c user.email=test@example.com -c protocol.file.allow=always"
$GIT init -q -b main "$WORK/lib"
echo "submodule file" > "$WORK/lib/lib.txt"
$GIT -C "$WORK/lib" add -A && $GIT -C "$WORK/lib" commit -qm lib
git clone -q --bare "$WORK/lib" "$git_root/lib.git"
git daemon --export-all --reuseaddr --base-path="$git_root" --listen=127.0.0.1 --port="$git_port" \
  > "$WORK/git-daemon.log" 2>&1 &
at_exit kill $!
wait_for 20 "git daemon" git ls-remote "git://127.0.0.1:$git_port/lib.git"
$GIT init -q -b main "$WORK/repo"
mkdir -p "$WORK/repo/sub"
echo "tagged" > "$WORK/repo/sub/file.txt"
echo "top" > "$WORK/repo/top.txt"
$GIT -C "$WORK/repo" submodule add -q "git://127.0.0.1:$git_port/lib.git" lib
$GIT -C "$WORK/repo" add -A && $GIT -C "$WORK/repo" commit -qm one
$GIT -C "$WORK/repo" tag v1
$GIT -C "$WORK/repo" checkout -qb feature
echo "on the branch" > "$WORK/repo/sub/file.txt"
$GIT -C "$WORK/repo" commit -qam two
git clone -q --bare "$WORK/repo" "$git_root/repo.git"
GITURL="git://127.0.0.1:$git_port/repo.git"

# A daemon of our own that trusts the test CA for https sources.
SSL_CERT_FILE=$certs/ca.pem start_daemon named "$DFLLB_BIN/buildkitd"
export BUILDKIT_HOST; BUILDKIT_HOST=$(daemon_addr named)

# --- 1. buildctl, every kind of context ----------------------------------------------------------
ctx=$WORK/ctx; mkdir -p "$ctx" "$WORK/extra/keep" "$WORK/toolsdir"
echo "main context" > "$ctx/main.txt"
echo "extra file" > "$WORK/extra/keep/a.txt"
echo "ignored" > "$WORK/extra/keep/b.tmp"
echo "**/*.tmp" > "$WORK/extra/.dockerignore"
echo "tools from a directory" > "$WORK/toolsdir/tools.txt"
# An OCI layout store with one small image, made by the reference.
printf 'FROM scratch\nCOPY main.txt /oci.txt\n' > "$WORK/oci.Dockerfile"
buildctl build --progress=plain --frontend dockerfile.v0 --local context="$ctx" \
  --local dockerfile="$WORK" --opt filename=oci.Dockerfile \
  --output "type=oci,dest=$WORK/store.tar" > "$WORK/oci-build.log" 2>&1 || { cat "$WORK/oci-build.log"; fail "oci layout"; }
mkdir -p "$WORK/store" && tar -C "$WORK/store" -xf "$WORK/store.tar"
oci_digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$WORK/store/index.json")

cat > "$ctx/Dockerfile" <<'EOF'
FROM busybox AS tools
RUN echo "never built: a directory replaces this stage" > /tools.txt

FROM alpine AS final
COPY main.txt /main.txt
COPY --from=extra /keep /extra/
COPY --from=tools /tools.txt /tools.txt
COPY --from=tagged / /tagged/
COPY --from=branch / /branch/
COPY --from=single /context /single.txt
COPY --from=tarball /context /files.tar.gz
COPY --from=ocistore /oci.txt /oci.txt
COPY --from=nginx /bin/busybox /nginx-is-busybox
RUN ls -R /extra /tagged /branch > /listing.txt
EOF
"${COMPARE[@]}" --context "$ctx" --local extra="$WORK/extra" --local toolsdir="$WORK/toolsdir" \
  --oci-layout teststore="$WORK/store" \
  --opt "context:alpine=docker-image://busybox:latest" \
  --opt "context:nginx=docker-image://busybox" \
  --opt "context:extra=local:extra" \
  --opt "context:tools=local:toolsdir" \
  --opt "context:tagged=$GITURL#v1:sub" \
  --opt "context:branch=$GITURL?branch=feature&submodules=false" \
  --opt "context:single=$HTTPS/single.txt" \
  --opt "context:tarball=$HTTPS/files.tar.gz" \
  --opt "context:ocistore=oci-layout://teststore@$oci_digest" \
  --out "$WORK/compare" --left dockerfile.v0 --right gateway:myorg/frontend > "$WORK/compare.txt" 2>&1 \
  || { cat "$WORK/compare.txt"; fail "named contexts through buildctl differ from the reference"; }
expect_in "every kind of named context equals the reference" "$WORK/compare.txt" "equal"
# What the reference built is what the contexts hold.
buildctl build --progress=plain --frontend gateway.v0 --opt source=myorg/frontend \
  --local context="$ctx" --local dockerfile="$ctx" --local extra="$WORK/extra" --local toolsdir="$WORK/toolsdir" \
  --oci-layout teststore="$WORK/store" \
  --opt "context:alpine=docker-image://busybox:latest" --opt "context:nginx=docker-image://busybox" \
  --opt "context:extra=local:extra" --opt "context:tools=local:toolsdir" \
  --opt "context:tagged=$GITURL#v1:sub" --opt "context:branch=$GITURL?branch=feature&submodules=false" \
  --opt "context:single=$HTTPS/single.txt" --opt "context:tarball=$HTTPS/files.tar.gz" \
  --opt "context:ocistore=oci-layout://teststore@$oci_digest" \
  --output "type=local,dest=$WORK/ours" > "$WORK/ours.log" 2>&1 || { cat "$WORK/ours.log"; fail "our build"; }
expect_eq "local context, .dockerignore applied" "$(ls "$WORK/ours/extra")" "a.txt"
expect_eq "stage replaced by a directory" "$(cat "$WORK/ours/tools.txt")" "tools from a directory"
expect_eq "git tag and subdir" "$(cat "$WORK/ours/tagged/file.txt")" "tagged"
expect_eq "git branch in the query" "$(cat "$WORK/ours/branch/sub/file.txt")" "on the branch"
expect_eq "https file" "$(cat "$WORK/ours/single.txt")" "from https"
expect_eq "oci-layout image" "$(cat "$WORK/ours/oci.txt")" "main context"
expect_in "the load names the context" "$WORK/ours.log" "[context extra] load from client"

# --- 2. docker buildx build --build-context ------------------------------------------------------
builder=$(daemon_buildx named)
bx=$WORK/bx; mkdir -p "$bx"
cat > "$bx/body" <<EOF
FROM busy AS base
RUN echo built > /built.txt
FROM scratch
COPY --from=base /built.txt /
COPY --from=extra /keep /extra/
COPY --from=repo /file.txt /repo.txt
COPY --from=web /context /web.txt
COPY --from=ocistore /oci.txt /oci.txt
EOF
{ echo "# syntax=myorg/frontend"; cat "$bx/body"; } > "$bx/Dockerfile.ours"
cp "$bx/body" "$bx/Dockerfile.builtin"
for side in ours builtin; do
  docker buildx build --builder "$builder" --progress=plain -f "$bx/Dockerfile.$side" \
    --build-context extra="$WORK/extra" --build-context busy=docker-image://busybox \
    --build-context repo="$GITURL#v1:sub" --build-context web="$HTTPS/single.txt" \
    --build-context ocistore="oci-layout://$WORK/store@$oci_digest" \
    -o "type=local,dest=$WORK/bx-$side" "$ctx" > "$WORK/bx-$side.log" 2>&1 \
    || { cat "$WORK/bx-$side.log"; fail "buildx --build-context ($side)"; }
done
expect_in "buildx ran our frontend" "$WORK/bx-ours.log" "myorg/frontend"
diff -r "$WORK/bx-builtin" "$WORK/bx-ours" || fail "buildx --build-context: ours differs from the builtin frontend"
expect_eq "buildx --build-context result" "$(cat "$WORK/bx-ours/repo.txt") $(cat "$WORK/bx-ours/web.txt")" "tagged from https"

# --- 3. docker buildx bake, a stage shared through contexts ---------------------------------------
bake=$WORK/bake; mkdir -p "$bake"
for side in ours builtin; do
  syntax=""; [ "$side" = ours ] && syntax="# syntax=myorg/frontend"
  printf '%s\nFROM busybox\nRUN echo shared > /shared.txt\n' "$syntax" > "$bake/base.$side.Dockerfile"
  printf '%s\nFROM base\nARG N\nRUN echo "app $N" > /app.txt\n' "$syntax" > "$bake/app.$side.Dockerfile"
  cat > "$bake/docker-bake.$side.hcl" <<EOF
target "base" {
  context = "$bake"
  dockerfile = "base.$side.Dockerfile"
}
target "app1" {
  context = "$bake"
  dockerfile = "app.$side.Dockerfile"
  contexts = { base = "target:base" }
  args = { N = "1" }
  output = ["type=local,dest=$WORK/bake-$side/app1"]
}
target "app2" {
  context = "$bake"
  dockerfile = "app.$side.Dockerfile"
  contexts = { base = "target:base" }
  args = { N = "2" }
  output = ["type=local,dest=$WORK/bake-$side/app2"]
}
group "default" { targets = ["app1", "app2"] }
EOF
  docker buildx bake --builder "$builder" --progress=plain -f "$bake/docker-bake.$side.hcl" \
    --allow "fs.read=$bake" --allow "fs.write=$WORK" \
    > "$WORK/bake-$side.log" 2>&1 || { cat "$WORK/bake-$side.log"; fail "bake ($side)"; }
done
diff -r "$WORK/bake-builtin" "$WORK/bake-ours" || fail "bake: ours differs from the builtin frontend"
expect_eq "bake shares the stage" "$(cat "$WORK/bake-ours/app1/shared.txt") $(cat "$WORK/bake-ours/app2/app.txt")" "shared app 2"
