FROM alpine:3.20
HEALTHCHECK --interval=1s --interval=2s CMD curl x
