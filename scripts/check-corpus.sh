#!/usr/bin/env bash
# Build checks and subrequests through buildx, ours against the reference, on the corpus in
# tests/checks/corpus: one directory per case with a Dockerfile and optionally a .dockerignore,
# other context files, `args` (buildx arguments, one a line, e.g. --build-arg=K=V, --target=T,
# --platform=P) and `calls` (what else to run besides the check: outline, targets, convertllb,
# build).
#
# For each case, each of
#   check    docker buildx build --call check,format=json   (frontend.lint)
#   outline  docker buildx build --call outline,format=json (frontend.outline)
#   targets  docker buildx build --call targets,format=json (frontend.targets)
#   convertllb docker buildx build --call convertllb,format=json (frontend.convertllb)
#   build    docker buildx build --progress=plain           (the warnings and the error it ends with)
# runs twice on the environment's builder: with the daemon's builtin dockerfile.v0 (the Dockerfile
# as written, after a first line `# escape=\`) and with our image (after `# syntax=myorg/frontend`).
# Both sides get one extra directive as line 1, so line numbers agree and a `# check=` directive
# of the case stays a directive. Compared: the exit status; for --call, stdout as JSON without
# `sources` (the Dockerfile's bytes, which differ in that first line, and the definition that
# read it; for convertllb the source map's `infos`, the same), and the `ERROR:` lines of a failure; for build, the `WARN:` lines of the progress
# (without the vertex number), the "N warnings found" block and the `ERROR:` lines. Our hint
# after the reference's text of an error, " (...)", is left out (without_our_hints).
#
# Usage: scripts/check-corpus.sh [--keep DIR] [--list] [CASE...]
# Needs env.sh sourced (BUILDX_BUILDER) and our image pushed (scripts/build-frontend-image.sh).
# Prints one line per difference and a summary; exit 0 when every comparison is equal.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$ROOT/tests/checks/corpus
KEEP=
LIST=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=$2; shift 2 ;;
    --list) LIST=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "usage: $0 [--keep DIR] [--list] [CASE...]" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ -z "${BUILDX_BUILDER:-}" ]; then
  # shellcheck source=/dev/null
  source "${DFLLB_RUN:-/tmp/dfllb-run}/env.sh"
fi

if [ $# -gt 0 ]; then
  CASES=("$@")
else
  mapfile -t CASES < <(cd "$CORPUS" && ls)
fi

calls_of() {
  echo check
  if [ -f "$CORPUS/$1/calls" ]; then grep -v '^\s*$' "$CORPUS/$1/calls"; fi
}

if [ -n "$LIST" ]; then
  for c in "${CASES[@]}"; do echo "$c: $(calls_of "$c" | tr '\n' ' ')"; done
  exit 0
fi

if [ -n "$KEEP" ]; then
  WORK=$KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d /tmp/check-corpus.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi

# The context of one side: the case's files, the Dockerfile after the side's first line.
prepare() { # case side first-line
  local dir=$WORK/$1/$2
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$CORPUS/$1" && tar --exclude=./args --exclude=./calls -cf - .) | tar -xf - -C "$dir"
  { printf '%s\n' "$3"; cat "$CORPUS/$1/Dockerfile"; } > "$dir/Dockerfile"
}

strip_ansi() { sed -e 's/\x1b\[[0-9;]*m//g'; }

# Go ranges over a map for the rules of "lint violation found for rules: A, B": their order is
# random in the reference, so both sides' lists are sorted.
sort_rules() {
  awk '{
    i = index($0, "lint violation found for rules: ")
    if (i == 0) { print; next }
    head = substr($0, 1, i + 31); rest = substr($0, i + 32); tail = ""
    if (rest ~ /",?$/) { tail = substr(rest, index(rest, "\"")); rest = substr(rest, 1, index(rest, "\"") - 1) }
    n = split(rest, r, ", ")
    for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (r[b] < r[a]) { t = r[a]; r[a] = r[b]; r[b] = t }
    out = r[1]; for (a = 2; a <= n; a++) out = out ", " r[a]
    print head out tail
  }'
}

# The source snippets of an error: line 1 is the side's own first line, so it is shown as
# <first line>; and a snippet that points at our `# syntax=` line is left out: dockerfile.v0
# locates there any error of the frontend it forwarded to that has no location of its own
# (forwardGateway's wrapSource), where the reference, not forwarded, shows none.
snippets() {
  awk '
    /^Dockerfile:[0-9]+$/ { held = $0 "\n"; holding = 1; dashes = 0; drop = 0; next }
    holding {
      held = held $0 "\n"
      if ($0 ~ /^   1 \| >>> # syntax=myorg\/frontend$/) drop = 1
      if ($0 ~ /^-+$/ && ++dashes == 2) { if (!drop) printf "%s", held; holding = 0 }
      next
    }
    { print }
    END { if (holding && !drop) printf "%s", held }
  ' | sed -E 's/^(   1 \| (>>>|   ) )(# escape=\\|# syntax=myorg\/frontend)$/\1<first line>/'
}

# The JSON of a --call: without `sources` (and convertllb's source map `infos`), which hold the
# Dockerfile. An outline's lists are sorted by line, then name: entries on one line come in Go's
# map order, which is random. convertllb's context source carries the build's session id,
# which differs between any two builds and so changes the digests of every op after it: its
# ops, metadata and locations are compared as lists of values with the session id and the
# digests blanked (tests/convert_reference.rs compares the bytes, digests included).
JQ_NORMALISE=$WORK/normalise.jq
cat > "$JQ_NORMALISE" <<'JQ'
def by_line: sort_by((.location.ranges[0].start.line // 0), (.name // .ID // ""));
def blanked: walk(if type == "string" then gsub("sha256:[0-9a-f]{64}"; "<digest>") else . end)
  | walk(if type == "object" and has("local.session") then .["local.session"] = "<session>" else . end);
if type != "object" then .
elif $call == "outline" then del(.sources)
  | reduce ("args", "secrets", "ssh", "cache") as $k (.; if has($k) then .[$k] |= by_line else . end)
elif $call == "convertllb" then del(.source.infos)
  | .def |= ([.[]] | blanked | sort_by(tostring))
  | .metadata |= ([.[]] | sort_by(tostring))
  | .source.locations |= ([.[]?] | sort_by(tostring))
else del(.sources) end
JQ

# What one side's run is compared on, written to $out.cmp. The `#N WARN:` lines of the progress
# are not: with a frontend forwarded to (ours, and the reference's own image) whether buildx
# shows a warning under its vertex depends on timing; the block at the end lists them all.
normalise() { # call out
  local out=$1.out err=$1.err
  {
    echo "exit $(cat "$1.rc")"
    if [ "$2" = build ]; then
      # The "N warnings found" block, the error's source snippets and its ERROR: lines.
      strip_ansi < "$err" | awk '
        /warnings? found/ { w = 1; print; next }
        w && /^ - / { print; next }
        { w = 0 }
        /^Dockerfile:[0-9]+$/ { s = 1; d = 0 }
        s { print; if ($0 ~ /^-+$/ && ++d == 2) s = 0; next }
        /^ERROR:/ { print }
      ' | snippets
    else
      if [ -s "$out" ] && jq -e . "$out" > /dev/null 2>&1; then
        jq -S --arg call "$2" -f "$JQ_NORMALISE" "$out"
      else
        cat "$out"
      fi
      strip_ansi < "$err" | grep '^ERROR:' || true
    fi
  } | sort_rules > "$1.cmp"
}

# Our located errors give the reference's text, then our hint in parentheses (the principle:
# its text verbatim, ours after it). A line of ours that is the reference's line with one
# " (...)" inserted before its closing quotes or commas counts as that line.
without_our_hints() { # reference.cmp ours.cmp
  awk 'NR == FNR { ref[FNR] = $0; next }
    {
      line = $0; want = ref[FNR]
      if (line != want && match(want, /["\x27,]*$/)) {
        head = substr(want, 1, RSTART - 1); tail = substr(want, RSTART)
        if (length(line) > length(want) && substr(line, 1, length(head)) == head &&
            substr(line, length(line) - length(tail) + 1) == tail) {
          middle = substr(line, length(head) + 1, length(line) - length(want))
          if (middle ~ /^ \(.*\)$/) line = want
        }
        # A reference line that itself ends in a quote: the hint follows it.
        if (line != want && substr(line, 1, length(want)) == want &&
            substr(line, length(want) + 1) ~ /^ \(.*\)$/) line = want
      }
      print line
    }' "$1" "$2"
}

run_side() { # case side call
  local dir=$WORK/$1/$2 base=$WORK/$1/$2.$3
  local -a args=()
  if [ -f "$CORPUS/$1/args" ]; then mapfile -t args < <(grep -v '^\s*$' "$CORPUS/$1/args"); fi
  local rc=0
  case "$3" in
    build) docker buildx build --progress=plain "${args[@]}" "$dir" > "$base.out" 2> "$base.err" || rc=$? ;;
    *) docker buildx build --progress=plain --call "$3,format=json" "${args[@]}" "$dir" > "$base.out" 2> "$base.err" || rc=$? ;;
  esac
  echo "$rc" > "$base.rc"
  normalise "$base" "$3"
}

start=$(date +%s)
equal=0
different=0
declare -A per_call_equal per_call_total
for c in "${CASES[@]}"; do
  if [ ! -f "$CORPUS/$c/Dockerfile" ]; then echo "no such case: $c" >&2; exit 2; fi
  prepare "$c" ref "# escape=\\"
  prepare "$c" ours '# syntax=myorg/frontend'
  while read -r call; do
    run_side "$c" ref "$call"
    run_side "$c" ours "$call"
    per_call_total[$call]=$(( ${per_call_total[$call]:-0} + 1 ))
    without_our_hints "$WORK/$c/ref.$call.cmp" "$WORK/$c/ours.$call.cmp" > "$WORK/$c/ours.$call.cmp.nohint"
    mv "$WORK/$c/ours.$call.cmp.nohint" "$WORK/$c/ours.$call.cmp"
    if cmp -s "$WORK/$c/ref.$call.cmp" "$WORK/$c/ours.$call.cmp"; then
      equal=$((equal + 1))
      per_call_equal[$call]=$(( ${per_call_equal[$call]:-0} + 1 ))
    else
      different=$((different + 1))
      echo "DIFFERENT $c $call"
      diff -u --label "reference" --label "ours" "$WORK/$c/ref.$call.cmp" "$WORK/$c/ours.$call.cmp" | sed "s/^/    /" | head -40 || true
    fi
  done < <(calls_of "$c")
done
summary=""
for call in check outline targets convertllb build; do
  [ -n "${per_call_total[$call]:-}" ] || continue
  summary+=" $call ${per_call_equal[$call]:-0}/${per_call_total[$call]}"
done
echo "check-corpus: ${#CASES[@]} cases, $equal equal, $different different ($summary ) in $(( $(date +%s) - start )) s"
[ "$different" -eq 0 ]
