FROM alpine:3.20
HEALTHCHECK --retries=three CMD curl x
