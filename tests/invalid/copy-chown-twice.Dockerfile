FROM alpine:3.20
COPY --chown=1 --chown=2 a b
