FROM alpine:3.20
COPY --form=build /app /app
