FROM alpine:3.20
ENV =value
