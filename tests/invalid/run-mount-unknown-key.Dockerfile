FROM alpine:3.20
RUN --mount=type=cache,targte=/root/.cache make
