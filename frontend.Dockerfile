# The dockerfile-llb frontend image: one static binary on scratch.
# Build with a Rust toolchain image (needs Docker Hub):
#   docker buildx build -f frontend.Dockerfile -t myorg/frontend .
# Build offline from a binary built on the host (scripts/build-frontend-image.sh): the `builder` stage
# is replaced by a named context holding /dockerfile-llb:
#   buildctl build --frontend dockerfile.v0 --opt filename=frontend.Dockerfile \
#     --opt context:builder=local:bin --local bin=<dir with dockerfile-llb> ...

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# glibc with crt-static gives a fully static executable; the frontend needs no NSS lookups.
RUN RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --profile image --locked --target x86_64-unknown-linux-gnu \
 && cp target/x86_64-unknown-linux-gnu/image/dockerfile-llb /dockerfile-llb

FROM scratch
COPY --from=builder /dockerfile-llb /dockerfile-llb
# BuildKit reads these labels before starting the frontend (frontend/gateway/gateway.go).
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd"
ENTRYPOINT ["/dockerfile-llb", "frontend"]
