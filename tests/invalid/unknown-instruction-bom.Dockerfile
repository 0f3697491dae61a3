FROMM alpine
