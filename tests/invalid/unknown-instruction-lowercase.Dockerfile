FROM alpine:3.20
runn make
