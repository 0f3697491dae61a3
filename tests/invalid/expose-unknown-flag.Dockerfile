FROM alpine:3.20
EXPOSE --proto=udp 53
