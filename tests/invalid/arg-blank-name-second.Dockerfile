FROM alpine:3.20
ARG A=1 =2
