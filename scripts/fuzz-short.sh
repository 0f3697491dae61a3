#!/usr/bin/env bash
# Short fuzzing runs (fuzz/fuzz_targets/*.rs): the Dockerfile parser, word expansion, the whole
# conversion (parse -> plan -> resolve from a table -> convert -> marshal, twice: identical) and
# the gateway's inputs (options, BUILDKIT_WORKERS, the Ping reply, image config replies, the
# Dockerfile and .dockerignore read from the client).
#
#   scripts/fuzz-short.sh                      # 60 s of libFuzzer per target
#   FUZZ_SECONDS=600 scripts/fuzz-short.sh parser
#   FUZZ_SECONDS=3600 FUZZ_TIMEOUT=60 nice scripts/fuzz-short.sh expand   # a long run beside other work
#
# FUZZ_TIMEOUT (default 10) is libFuzzer's -timeout, in wall-clock seconds: a niced run on a busy
# machine can be starved past 10 s on an input that takes 20 ms in a release build.
#
# Needs a nightly toolchain and cargo-fuzz; cargo-fuzz is installed from crates.io when missing.
# The fuzz build lives in $DFLLB_CACHE/fuzz-target so a fresh clone does not rebuild it.
# Seeds: the reference's parser test files and expansion tables (the pinned BuildKit module in
# the Go module cache), our invalid corpus (tests/invalid), and for the conversion and the
# gateway the Dockerfiles of tests/ and examples/. Without a nightly toolchain (it cannot be downloaded here) it
# runs the arbitrary-bytes robustness test instead and says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$DFLLB_ROOT"

seconds="${FUZZ_SECONDS:-60}"
timeout_s="${FUZZ_TIMEOUT:-10}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser expand convert gateway)
conformance=$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "github.com/moby/buildkit@$BUILDKIT_VERSION" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')/frontend/dockerfile

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz-short: no nightly toolchain; running the arbitrary-bytes robustness test instead" >&2
  PARSER_ROBUSTNESS_CASES="${PARSER_ROBUSTNESS_CASES:-$((seconds * 2000))}" \
    exec cargo test --test parser_robustness -- --nocapture
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz-short: installing cargo-fuzz from crates.io (first run only)" >&2
  cargo install --locked cargo-fuzz >/dev/null
fi

seed_corpus() {
  local target=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  case "$target" in
    parser)
      for f in "$conformance"/parser/testfiles/*/Dockerfile \
               "$conformance"/parser/testfiles-negative/*/Dockerfile tests/invalid/*.Dockerfile; do
        [ -f "$f" ] && cp "$f" "$dir/seed-$(sha256sum "$f" | cut -c1-16)"
      done ;;
    expand)
      # The input column of the reference's expansion tables: `A|input | expected`.
      cat "$conformance"/shell/envVarTest "$conformance"/shell/wordsTest 2>/dev/null \
        | awk -F'|' 'NF >= 3 && $1 !~ /^#/ {print $2}' | while IFS= read -r word; do
          printf '%s' "$word" > "$dir/seed-$(printf '%s' "$word" | sha256sum | cut -c1-16)"
        done ;;
    convert)
      for f in tests/fixtures/*/*/Dockerfile tests/fixtures/*/Dockerfile tests/checks/corpus/*/Dockerfile \
               examples/*/Dockerfile "$conformance"/parser/testfiles/*/Dockerfile; do
        [ -f "$f" ] && cp "$f" "$dir/seed-$(sha256sum "$f" | cut -c1-16)"
      done ;;
    gateway)
      # Sections (fuzz/fuzz_targets/gateway.rs): options, workers, Pong, config, digest,
      # Dockerfile, .dockerignore; the Pong with the caps of a current daemon.
      python3 - "$dir" tests/fixtures/patterns/*/Dockerfile tests/checks/corpus/*/Dockerfile <<'PY'
import hashlib, json, sys
def cap(name):
    body = b"\x0a" + bytes([len(name)]) + name.encode() + b"\x10\x01"
    return bytes([len(body)]) + body
pong = b"".join(b"\x0a" + cap(c) for c in ["gateway.warnings", "frontend.inputs", "gateway.exec.mounts"]) + \
       b"".join(b"\x12" + cap(c) for c in ["source.image", "mergeop", "exec.meta.cdi", "file.base"])
workers = json.dumps([{"ID": "w", "Platforms": [{"architecture": "amd64", "os": "linux"}]}]).encode()
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"], "OnBuild": ["RUN echo hi"]},
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]}}).encode()
options = b"\0".join([b"build-arg:A=1", b"platform=linux/amd64,linux/arm64", b"context:alpine=docker-image://alpine:3", b"target="])
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    seed = b"\0\xff\0".join([options, workers, pong, config, b"sha256:" + b"2" * 64, data, b"*.tmp\n!keep.tmp\n"])
    open(f"{sys.argv[1]}/seed-{hashlib.sha256(seed).hexdigest()[:16]}", "wb").write(seed)
PY
      ;;
  esac
}

export CARGO_TARGET_DIR=$DFLLB_CACHE/fuzz-target
for target in "${targets[@]}"; do
  seed_corpus "$target"
  echo "fuzz-short: $target for ${seconds}s" >&2
  (cd fuzz && cargo +nightly fuzz run "$target" "corpus/$target" -- \
     -max_total_time="$seconds" -max_len=65536 -timeout="$timeout_s" -rss_limit_mb=2048 2>&1 | tail -n 40)
done
