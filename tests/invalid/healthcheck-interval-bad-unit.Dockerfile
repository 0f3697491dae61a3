FROM alpine:3.20
HEALTHCHECK --interval=1d CMD curl x
