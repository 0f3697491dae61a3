FROM alpine:3.20
RUN --network=host --network=none make
