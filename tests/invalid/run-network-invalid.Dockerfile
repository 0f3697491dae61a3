FROM alpine:3.20
RUN --network=hots curl x
