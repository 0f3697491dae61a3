FROM alpine:3.20
ADD --checksum https://example.com/x /x
