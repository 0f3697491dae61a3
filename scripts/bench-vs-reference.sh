#!/usr/bin/env bash
# Ours against the reference converter, side by side from one run (issue 12). For each shape:
#   - wall time of the whole process (median of N pairs, ours and the reference alternating),
#   - the best in-process conversion of N (parse, convert, marshal) and the floor: the best of N
#     times to encode every op of the output once and SHA-256 it (examples/convert-llb.rs),
#   - peak RSS of one conversion (/usr/bin/time), the Definition's size,
#   - that both outputs are the same bytes (they must be: same answers for base images).
# The reference converter is tests/go/bench-convert: dockerfile2llb of the pin (scripts/versions.env)
# from the Go module proxy, compiled here. Shapes: benches/gen_dockerfile.py 40 100 (multi-stage),
# one stage of 4,000 instructions and 100 chained stages of 20 (benches/gen_shapes.py), and every
# pattern fixture (tests/fixtures/patterns/*/Dockerfile). Then the compressed sizes of both frontend
# images, when the test environment is up (skopeo on its registry).
# Usage: scripts/bench-vs-reference.sh [PAIRS]   (default 5; no timed assertions: it only prints)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$DFLLB_ROOT"
pairs=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --example convert-llb
ours=target/release/examples/convert-llb
(cd tests/go/bench-convert && GOFLAGS=-mod=mod go build -o "$work/ref-convert" .)
ref=$work/ref-convert

python3 benches/gen_dockerfile.py 40 100 > "$work/multi-stage-40x100"
python3 benches/gen_shapes.py one-stage 4000 > "$work/one-stage-4000"
python3 benches/gen_shapes.py chain 100 20 > "$work/chain-100x20"
shapes=("$work/multi-stage-40x100" "$work/one-stage-4000" "$work/chain-100x20")
for f in tests/fixtures/patterns/*/Dockerfile; do
  [ -f "$f" ] && shapes+=("$f")
done

# field NAME LINE: the value of NAME=... in LINE.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# wall COMMAND...: seconds the process took, to the microsecond.
wall() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f\n", b - a }'
}

printf '%-22s %9s %9s %6s | %9s %9s %6s %9s %6s | %8s %8s | %10s %s\n' \
  shape ours_s ref_s ratio ours_ms ref_ms ratio floor_ms x_flr ours_MiB ref_MiB def_bytes same
for df in "${shapes[@]}"; do
  name=$(basename "$df"); [ "$name" = Dockerfile ] && name=$(basename "$(dirname "$df")")
  : > "$work/w.ours"; : > "$work/w.ref"
  for _ in $(seq "$pairs"); do
    wall "$ours" "$df" "$work/ours.pb" >> "$work/w.ours"
    wall "$ref" "$df" "$work/ref.pb" >> "$work/w.ref"
  done
  ow=$(median < "$work/w.ours"); rw=$(median < "$work/w.ref")
  o=$("$ours" --repeat "$pairs" "$df" 2>&1 >/dev/null | tail -1)
  r=$("$ref" -repeat "$pairs" "$df" 2>&1 >/dev/null | tail -1)
  om=$(field best_ms "$o"); rm_=$(field best_ms "$r"); fl=$(field floor_ms "$o")
  orss=$(/usr/bin/time -f %M "$ours" "$df" "$work/ours.pb" 2>&1 | tail -1)
  rrss=$(/usr/bin/time -f %M "$ref" "$df" "$work/ref.pb" 2>&1 | tail -1)
  same=no; cmp -s "$work/ours.pb" "$work/ref.pb" && same=yes
  awk -v n="$name" -v ow="$ow" -v rw="$rw" -v om="$om" -v rm="$rm_" -v fl="$fl" \
      -v orss="$orss" -v rrss="$rrss" -v sz="$(stat -c %s "$work/ours.pb")" -v same="$same" \
    'BEGIN { printf "%-22s %9.4f %9.4f %6.3f | %9.2f %9.2f %6.3f %9.2f %6.1f | %8.1f %8.1f | %10d %s\n",
             n, ow, rw, (rw > 0 ? ow / rw : 0), om, rm, (rm > 0 ? om / rm : 0), fl,
             (fl > 0 ? om / fl : 0), orss / 1024, rrss / 1024, sz, same }'
done
echo "ratio = ours / reference (lower is better); x_flr = ours in-process / floor."
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# In a build: fully cached rebuilds of the five patterns through the daemon's builtin frontend,
# the reference frontend image and ours (each warmed once), median of PAIRS rounds, the three
# sides alternating. With every step cached, what is left is the frontend's own work (start,
# read the Dockerfile, resolve, convert, Return) and the daemon's cache lookups, the same for
# all three sides. The fixtures start with `# syntax=myorg/frontend`, which every side would
# obey by forwarding to our image (a second frontend container for the two images): each side
# is given the fixture without that line, so that each builds it itself.
if [ -s "${DFLLB_RUN:-/nonexistent}/env.sh" ]; then
  # shellcheck disable=SC1091
  source "$DFLLB_RUN/env.sh"
  side_args() {
    case $1 in
      builtin) echo "--frontend dockerfile.v0" ;;
      reference) echo "--frontend gateway.v0 --opt source=dfllb/reference-frontend" ;;
      ours) echo "--frontend gateway.v0 --opt source=myorg/frontend" ;;
    esac
  }
  rebuild() {  # rebuild SIDE DIR
    # shellcheck disable=SC2046
    buildctl build $(side_args "$1") --local context="$2" --local dockerfile="$2" >/dev/null 2>&1
  }
  printf '\n%-20s %10s %10s %10s %8s %8s\n' "cached rebuild" builtin_s reference_s ours_s ours/bi ours/ref
  for fixture in tests/fixtures/patterns/[0-9]*/; do
    dir="$work/rebuild/$(basename "$fixture")"
    mkdir -p "$dir" && cp -R "$fixture/." "$dir"
    sed -i '1{/^# *syntax=/d}' "$dir/Dockerfile"
    for side in builtin reference ours; do rebuild "$side" "$dir" || echo "warm-up failed: $side $dir"; : > "$work/r.$side"; done
    for _ in $(seq "$pairs"); do
      for side in builtin reference ours; do wall rebuild "$side" "$dir" >> "$work/r.$side"; done
    done
    b=$(median < "$work/r.builtin"); r=$(median < "$work/r.reference"); o=$(median < "$work/r.ours")
    awk -v n="$(basename "$dir")" -v b="$b" -v r="$r" -v o="$o" \
      'BEGIN { printf "%-20s %10.3f %10.3f %10.3f %8.2f %8.2f\n", n, b, r, o, o / b, o / r }'
  done
fi

# Image sizes: compressed layers of both frontend images, from the environment's registry.
if [ -s "${DFLLB_RUN:-/nonexistent}/env.sh" ] && command -v skopeo >/dev/null; then
  for image in myorg/frontend dfllb/reference-frontend; do
    size=$(skopeo inspect --tls-verify=false --raw "docker://$DFLLB_REGISTRY/$image:latest" 2>/dev/null \
      | python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(l["size"] for l in m.get("layers", [])))' \
      2>/dev/null || echo "?")
    printf 'image %-28s %10s bytes compressed\n' "$image" "$size"
  done
else
  echo "image sizes: test environment not up (scripts/env-up.sh), skipped"
fi
