#!/usr/bin/env bash
# Short fuzzing runs of the Dockerfile parser and of word expansion (fuzz/fuzz_targets/*.rs).
#
#   scripts/fuzz-short.sh                      # 60 s of libFuzzer per target
#   FUZZ_SECONDS=600 scripts/fuzz-short.sh parser
#
# Needs a nightly toolchain and cargo-fuzz; cargo-fuzz is installed from crates.io when missing.
# The fuzz build lives in $DFLLB_CACHE/fuzz-target so a fresh clone does not rebuild it.
# Seeds: the reference's parser test files and expansion tables (the pinned BuildKit module in
# the Go module cache) and our invalid corpus (tests/invalid). Without a nightly toolchain (it cannot be downloaded here) it
# runs the arbitrary-bytes robustness test instead and says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$DFLLB_ROOT"

seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser expand)
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
  esac
}

export CARGO_TARGET_DIR=$DFLLB_CACHE/fuzz-target
for target in "${targets[@]}"; do
  seed_corpus "$target"
  echo "fuzz-short: $target for ${seconds}s" >&2
  (cd fuzz && cargo +nightly fuzz run "$target" "corpus/$target" -- \
     -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 2>&1 | tail -n 5)
done
