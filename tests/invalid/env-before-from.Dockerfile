ENV A=1
FROM alpine
