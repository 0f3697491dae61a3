FROM alpine:3.20
RUN --device=name=a,name=b make
