#!/usr/bin/env bash
# Short fuzzing run of the Dockerfile parser (fuzz/fuzz_targets/parser.rs).
#
#   scripts/fuzz-short.sh            # 60 s of libFuzzer if cargo-fuzz and nightly exist
#   FUZZ_SECONDS=600 scripts/fuzz-short.sh
#
# The corpus is seeded from the reference's parser test files (../shared/conformance) and our
# invalid corpus (tests/invalid). Without cargo-fuzz or a nightly toolchain it runs the
# arbitrary-bytes robustness test instead (tests/parser_robustness.rs) with more iterations,
# so the script never fails just because the tools are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"

if cargo +nightly fuzz --version >/dev/null 2>&1; then
    corpus=fuzz/corpus/parser
    mkdir -p "$corpus"
    for f in ../shared/conformance/buildkit-parser/parser/testfiles/*/Dockerfile \
             ../shared/conformance/buildkit-parser/parser/testfiles-negative/*/Dockerfile \
             tests/invalid/*.Dockerfile; do
        [ -f "$f" ] || continue
        cp "$f" "$corpus/seed-$(echo "$f" | sha256sum | cut -c1-16)"
    done
    cd fuzz
    exec cargo +nightly fuzz run parser "corpus/parser" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10
fi

echo "fuzz-short: cargo-fuzz or a nightly toolchain is missing;" \
     "running the arbitrary-bytes robustness test instead" >&2
PARSER_ROBUSTNESS_CASES="${PARSER_ROBUSTNESS_CASES:-$((seconds * 2000))}" \
    exec cargo test --test parser_robustness -- --nocapture
