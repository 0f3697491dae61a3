FROM alpine:3.20
RUN --mount=type=bind,src=a\"b make
