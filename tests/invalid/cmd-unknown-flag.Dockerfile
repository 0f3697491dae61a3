FROM alpine:3.20
CMD --foo echo
