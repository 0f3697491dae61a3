FROM alpine:3.20
HEALTHCHECK --intervall=5s CMD curl x
