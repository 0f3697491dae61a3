FROM alpine:3.20
onbuild onbuild run make
