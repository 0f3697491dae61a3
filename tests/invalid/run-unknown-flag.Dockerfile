FROM alpine:3.20
RUN --mout=type=cache,target=/x make
