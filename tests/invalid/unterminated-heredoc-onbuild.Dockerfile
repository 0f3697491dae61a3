FROM alpine:3.20
ONBUILD RUN <<EOF
echo hi
