FROM alpine:3.20
HEALTHCHECK --timeout=500us CMD curl x
