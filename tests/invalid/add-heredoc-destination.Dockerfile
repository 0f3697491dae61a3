FROM alpine:3.20
ADD a <<EOF
x
EOF
