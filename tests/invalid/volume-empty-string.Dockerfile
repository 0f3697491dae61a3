FROM alpine:3.20
VOLUME [""]
