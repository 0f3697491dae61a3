FROM alpine:3.20
		WROKDIR /app
