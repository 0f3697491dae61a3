#!/usr/bin/env bash
# The docker.io mirror: `FROM busybox`, `FROM debian:bookworm-slim`, `FROM gcc:12` and
# `FROM python:3.11-slim` resolve to the offline images in the local registry, and they work.
source "$(dirname "$0")/common.bash"
cat > "$WORK/Dockerfile" <<'DOCKERFILE'
FROM busybox AS bb
RUN echo "busybox $(busybox | head -1 | cut -d' ' -f1)" > /out.txt && sh -c 'ls /bin/ls' >> /out.txt
FROM debian:bookworm-slim AS deb
RUN cut -d. -f1 /etc/debian_version > /out.txt
FROM gcc:12 AS cc
RUN printf 'int main(void){return 42;}\n' > t.c && gcc -o t t.c && (./t; echo $? > /out.txt) && gcc -dumpversion >> /out.txt
FROM python:3.11-slim AS py
RUN python -c 'import sys; print("%d.%d" % sys.version_info[:2])' > /out.txt
FROM scratch
COPY --from=bb /out.txt /busybox.txt
COPY --from=deb /out.txt /debian.txt
COPY --from=cc /out.txt /gcc.txt
COPY --from=py /out.txt /python.txt
DOCKERFILE
build_local "$WORK" "$WORK/out" 2>"$WORK/build.log" || { cat "$WORK/build.log"; fail "build"; }
cat "$WORK/build.log"
for img in library/busybox:latest library/debian:bookworm-slim library/gcc:12 library/python:3.11-slim; do
  expect_in "docker.io/$img came from the mirror" "$WORK/build.log" "resolve docker.io/$img@sha256:"
done
expect_eq busybox "$(cat "$WORK/out/busybox.txt")" $'busybox BusyBox\n/bin/ls'
expect_eq "debian major version" "$(cat "$WORK/out/debian.txt")" 12
expect_eq "gcc exit code and version" "$(cat "$WORK/out/gcc.txt")" $'42\n12'
expect_eq "python version" "$(cat "$WORK/out/python.txt")" 3.11
