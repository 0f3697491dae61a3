FROM alpine:3.20
LABEL a=b "c"
