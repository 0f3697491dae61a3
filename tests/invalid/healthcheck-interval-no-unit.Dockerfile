FROM alpine:3.20
HEALTHCHECK --interval=10 CMD curl x
