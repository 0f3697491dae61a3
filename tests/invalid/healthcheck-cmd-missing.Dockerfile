FROM alpine:3.20
HEALTHCHECK --interval=5s CMD
