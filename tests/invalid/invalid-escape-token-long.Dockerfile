# escape=\\
FROM alpine:3.20
