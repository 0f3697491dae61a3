FROM --plattform=linux/amd64 alpine
