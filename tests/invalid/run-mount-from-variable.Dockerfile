FROM alpine:3.20
RUN --mount=type=bind,from=$STAGE,target=/src make
