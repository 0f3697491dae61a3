FROM alpine:3.20
ONBUILD --x RUN make
