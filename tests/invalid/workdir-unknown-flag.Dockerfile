FROM alpine:3.20
WORKDIR --parents /app
