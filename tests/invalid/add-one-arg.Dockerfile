FROM alpine:3.20
ADD https://example.com/x.tar.gz
