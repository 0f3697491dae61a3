FROM alpine:3.20
COPY <<ONE <<TWO /dst/
one
ONE
two
