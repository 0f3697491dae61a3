#!/usr/bin/env bash
# Prints one line per (Dockerfile, platform): the SHA-256 of what `dockerfile-llb llb` writes to
# stdout and to stderr, and its exit code, for every Dockerfile under tests/ and examples/ and
# for the generated benchmark file (benches/gen_dockerfile.py 40 100).
# A refactor that must not change the converter's output keeps this list identical:
#   scripts/llb-fingerprint.sh >before.txt; (change code); scripts/llb-fingerprint.sh | diff before.txt -
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin dockerfile-llb
bin=target/release/dockerfile-llb
work=target/llb-fingerprint
mkdir -p "$work"
python3 benches/gen_dockerfile.py 40 100 >"$work/gen-40-100.Dockerfile"
{
  find tests examples -type f \( -name 'Dockerfile*' -o -name '*.Dockerfile' -o -name '*.dockerfile' \) | sort
  echo "$work/gen-40-100.Dockerfile"
} | while read -r df; do
  for platform in linux/amd64 linux/arm64/v8; do
    rc=0
    "$bin" llb -f "$df" --platform "$platform" >"$work/out" 2>"$work/err" || rc=$?
    name=${df#"$work/"}
    printf '%s %s rc=%s out=%s err=%s\n' "$name" "$platform" "$rc" \
      "$(sha256sum <"$work/out" | cut -c1-16)" "$(sha256sum <"$work/err" | cut -c1-16)"
  done
done
