FROM alpine:3.20
COPY --checksum=sha256:0 a b
