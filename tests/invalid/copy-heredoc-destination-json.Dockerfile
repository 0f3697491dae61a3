FROM alpine:3.20
COPY ["a", "<<EOF"]
