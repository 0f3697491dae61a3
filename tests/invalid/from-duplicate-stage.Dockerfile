FROM alpine AS build
RUN true
FROM alpine AS Build
