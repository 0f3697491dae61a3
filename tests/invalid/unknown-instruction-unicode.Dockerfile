FROM alpine
RÜN echo
