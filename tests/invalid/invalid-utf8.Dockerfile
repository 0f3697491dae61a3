FROM alpine
RUN echo café
