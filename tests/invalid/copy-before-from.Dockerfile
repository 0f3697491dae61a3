ARG V=1
COPY a b
FROM alpine
