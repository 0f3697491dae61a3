FROM alpine AS _build
