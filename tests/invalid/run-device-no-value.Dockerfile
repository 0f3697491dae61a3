FROM alpine:3.20
RUN --device make
