FROM alpine:3.20
COPY --from=a --from=b /app /app
