# check=skip=all
# check=error=true
FROM alpine:3.20
