FROM alpine:3.20
ONBUILD ONBUILD RUN touch foobar
