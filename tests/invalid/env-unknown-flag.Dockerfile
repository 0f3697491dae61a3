FROM alpine:3.20
ENV --x A=1
