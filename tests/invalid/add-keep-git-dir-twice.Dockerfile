FROM alpine:3.20
ADD --keep-git-dir --keep-git-dir=false https://x/y.git /z
