FROM alpine IS builder
