FROM alpine:3.20
COPY --exclude a b
