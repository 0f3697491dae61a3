FROM alpine:3.20
ENTRYPOINT [{"a": "b"}]
