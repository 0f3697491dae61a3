FROM alpine:3.20
COPY --from /app /app
