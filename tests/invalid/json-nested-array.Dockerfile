FROM alpine
CMD [ "echo", [ "nested json" ] ]
