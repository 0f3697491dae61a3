FROM alpine:3.20
COPY --keep-git-dir a b
