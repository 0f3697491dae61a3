FROM alpine:3.20
ADD --unpack=yes a.tar /x
