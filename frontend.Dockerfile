# The dockerfile-llb frontend image: one static binary on scratch.
# Build with a Rust toolchain image (needs Docker Hub):
#   docker buildx build -f frontend.Dockerfile -t myorg/frontend .
# Build offline from a binary built on the host (scripts/build-frontend-image.sh): the `builder` stage
# is replaced by a named context holding /dockerfile-llb:
#   buildctl build --frontend dockerfile.v0 --opt filename=frontend.Dockerfile \
#     --opt context:builder=local:bin --local bin=<dir with dockerfile-llb> ...

# The builder runs on the build platform and cross-compiles for the target (linux/amd64 or
# linux/arm64: `docker buildx build --platform linux/amd64,linux/arm64 -f frontend.Dockerfile .`).
FROM --platform=$BUILDPLATFORM rust:1-bookworm AS builder
ARG TARGETARCH
WORKDIR /src
COPY . .
# glibc with crt-static gives a fully static executable; the frontend needs no NSS lookups.
RUN case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-gnu ;; \
      arm64) target=aarch64-unknown-linux-gnu \
        && apt-get update && apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
        && rustup target add "$target" \
        && export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc ;; \
      *) echo "frontend.Dockerfile: no Rust target for TARGETARCH=$TARGETARCH" >&2; exit 1 ;; \
    esac \
 && RUSTFLAGS='-C target-feature=+crt-static' cargo build --profile image --locked --target "$target" \
 && cp "target/$target/image/dockerfile-llb" /dockerfile-llb

FROM scratch
COPY --from=builder /dockerfile-llb /dockerfile-llb
# BuildKit reads these labels before starting the frontend (frontend/gateway/gateway.go).
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts,moby.buildkit.frontend.gitquerystring,moby.buildkit.frontend.contexts.zstd"
ENTRYPOINT ["/dockerfile-llb", "frontend"]
