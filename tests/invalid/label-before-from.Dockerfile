LABEL a=b
FROM alpine
