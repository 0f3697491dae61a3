FROM alpine:3.20
SHELL --x ["sh"]
