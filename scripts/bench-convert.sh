#!/usr/bin/env bash
# Wall time and peak RSS of converting the generated benchmark Dockerfiles (10 and 40 stages of
# 100 instructions, benches/gen_dockerfile.py) with /usr/bin/time -v.
# Uses the CLI's `llb` command when the binary has one, else the convert-llb example.
# Usage: scripts/bench-convert.sh [stages...]   (default: 10 40)
set -euo pipefail
cd "$(dirname "$0")/.."
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(10 40)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --example convert-llb
runner=(target/release/examples/convert-llb)
if cargo build --release --quiet --bin dockerfile-llb 2>/dev/null \
  && target/release/dockerfile-llb llb --help >/dev/null 2>&1; then
  runner=(target/release/dockerfile-llb llb)
fi

printf '%-8s %-7s %10s %12s %14s  %s\n' stages instrs wall_s peak_rss_mb def_bytes runner
for n in "${stages[@]}"; do
  df="$work/Dockerfile.$n"
  python3 benches/gen_dockerfile.py "$n" 100 >"$df"
  out="$work/def.$n.pb"
  if [ "${runner[0]}" = target/release/examples/convert-llb ]; then
    cmd=("${runner[@]}" "$df" "$out")
  else
    cmd=("${runner[@]}" -f "$df")
  fi
  /usr/bin/time -v "${cmd[@]}" >"$out.stdout" 2>"$work/time.$n" || { cat "$work/time.$n"; exit 1; }
  [ -s "$out" ] || mv "$out.stdout" "$out"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.$n")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.$n")
  size=$(stat -c %s "$out")
  printf '%-8s %-7s %10s %12s %14s  %s\n' "$n" "$((n * 100))" "$wall" "$rss" "$size" "${runner[*]}"
done
