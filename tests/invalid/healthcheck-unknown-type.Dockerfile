FROM alpine:3.20
HEALTHCHECK CDM curl -f http://localhost/
