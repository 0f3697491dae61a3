FROM alpine:3.20
HEALTHCHECK --interval CMD curl x
