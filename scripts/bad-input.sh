#!/usr/bin/env bash
# Bad input through the real daemon (issue 11): every case of tests/bad-input goes through
# `buildctl build` twice, to the daemon's builtin dockerfile.v0 (the reference) and to our image
# (`--frontend gateway.v0 --opt source=myorg/frontend`), each with a timeout, and the two outcomes
# are written side by side to docs/bad-input.md.
#
# A case is a directory tests/bad-input/<case>/ with
#   what        one line: what is bad about it (the table's second column)
#   Dockerfile  the Dockerfile, or
#   generate    a Python program that prints it (the big and deep cases, so nothing big is
#               committed)
#   opts        optional: buildctl arguments, one a line (e.g. --opt=target=nope)
#   differs     optional: why ours deliberately differs from the reference here (one line); the
#               case's problems are then reported as known and do not fail the run, and a known
#               difference that went away fails it (delete the file)
#   unlocated   optional: why ours, failing, names no line, column or option here (one line):
#               an error the daemon reports, not our frontend, or one about the whole file; a
#               case that has it and is located fails the run (delete the file)
# and any other file, which is part of the build context.
#
# Fails (exit 1) when, for any case, ours
#   - hangs (the build outlives the timeout) or panics (in buildctl's output or in buildkitd.log,
#     where a gateway frontend's stderr goes, during our build), or exits without a Return the
#     daemon could read (buildctl then shows only "exit code: N"),
#   - succeeds where the reference fails, or fails where it succeeds,
#   - fails naming no line, column or option, and the case has no `unlocated` file,
#   - is unlocated where the reference is located: for a Dockerfile error, the reference shows a
#     source snippet (`<file>:<line>`) or names "line N" and ours does not name the same file and
#     line (and column, where the reference gives one); for an option error, the reference's
#     message names the option (its name or its value) and ours does not.
#
# Usage: scripts/bad-input.sh [--keep DIR] [--jobs N] [--timeout S] [--no-doc] [CASE...]
# Needs env.sh sourced (BUILDKIT_HOST, DFLLB_RUN) and our image pushed
# (scripts/build-frontend-image.sh). With CASE arguments, or --no-doc, docs/bad-input.md is left
# alone.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CASES_DIR=$ROOT/tests/bad-input
source "$ROOT/scripts/versions.env"
export BUILDKIT_VERSION
DOC=$ROOT/docs/bad-input.md
KEEP= JOBS=2 TIMEOUT=60 WRITE_DOC=1
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --no-doc) WRITE_DOC=; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) echo "usage: $0 [--keep DIR] [--jobs N] [--timeout S] [--no-doc] [CASE...]" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ -z "${BUILDKIT_HOST:-}" ] || [ -z "${DFLLB_RUN:-}" ]; then
  # shellcheck source=/dev/null
  source "${DFLLB_RUN:-/tmp/dfllb-run}/env.sh"
fi

# run_case CASE: prepares WORK/CASE/ctx and runs both sides into WORK/CASE/{reference,ours}.{log,rc}
# (and, for ours, the bytes buildkitd.log grew by during the build, in ours.daemon.log).
run_case() {
  local name=$1 dir=$CASES_DIR/$1 out=$WORK/$1
  rm -rf "$out"
  mkdir -p "$out/ctx"
  (cd "$dir" && tar --exclude=./what --exclude=./opts --exclude=./generate --exclude=./differs --exclude=./unlocated -cf - .) | tar -xf - -C "$out/ctx"
  if [ -f "$dir/generate" ]; then python3 "$dir/generate" > "$out/ctx/Dockerfile"; fi
  local opts=()
  if [ -f "$dir/opts" ]; then mapfile -t opts < <(grep -v '^\s*$' "$dir/opts"); fi
  local common=(--progress=plain --local "context=$out/ctx" --local "dockerfile=$out/ctx" "${opts[@]}")
  local t0 rc
  t0=$EPOCHREALTIME
  rc=0; timeout -k 5 "$TIMEOUT" buildctl build --frontend dockerfile.v0 "${common[@]}" \
    >"$out/reference.log" 2>&1 </dev/null || rc=$?
  echo "$rc $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')" > "$out/reference.rc"
  local daemon_log=$DFLLB_RUN/buildkitd.log before after
  before=$(stat -c %s "$daemon_log")
  t0=$EPOCHREALTIME
  rc=0; timeout -k 5 "$TIMEOUT" buildctl build --frontend gateway.v0 --opt source=myorg/frontend \
    "${common[@]}" >"$out/ours.log" 2>&1 </dev/null || rc=$?
  echo "$rc $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')" > "$out/ours.rc"
  after=$(stat -c %s "$daemon_log")
  # head first: the log keeps growing while the other job builds, and a head after tail would
  # close the pipe on it (SIGPIPE, which pipefail and set -e turn into a lost case).
  head -c "$after" "$daemon_log" | tail -c +"$((before + 1))" > "$out/ours.daemon.log"
  # The big generated Dockerfiles are not kept.
  if [ -f "$dir/generate" ]; then rm -f "$out/ctx/Dockerfile"; fi
  echo "$name: reference $(cut -d' ' -f1 "$out/reference.rc"), ours $(cut -d' ' -f1 "$out/ours.rc")" >&2
}

if [ "${BAD_INPUT_ONE:-}" = 1 ]; then
  run_case "$1"
  exit 0
fi

if [ $# -gt 0 ]; then
  CASES=("$@")
  WRITE_DOC=
else
  mapfile -t CASES < <(cd "$CASES_DIR" && ls)
fi
for c in "${CASES[@]}"; do [ -f "$CASES_DIR/$c/what" ] || { echo "no case $c" >&2; exit 2; }; done

if [ -n "$KEEP" ]; then
  WORK=$KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d /tmp/bad-input.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi
export WORK TIMEOUT BAD_INPUT_ONE=1

started=$SECONDS
# A case whose runner fails is reported by the summary below (its .rc files are missing), so
# xargs' status does not end the script before the summary.
printf '%s\n' "${CASES[@]}" | xargs -P "$JOBS" -I{} bash "$0" {} || true
elapsed=$((SECONDS - started))

python3 - "$CASES_DIR" "$WORK" "${WRITE_DOC:+$DOC}" "$elapsed" "$JOBS" "$TIMEOUT" "${CASES[@]}" <<'PY'
import os
import re
import sys

cases_dir, work, doc, elapsed, jobs, timeout = sys.argv[1:7]
cases = sys.argv[7:]

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A source snippet as buildctl prints it: "<file>:<line>" or "<file>:<first>-<last>", then dashes.
SNIPPET = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+)(?:-\d+)?$")
LINE_IN_TEXT = re.compile(r"\bline (?P<line>\d+)(?::(?P<col>\d+))?")
COLUMN_IN_TEXT = re.compile(r"(?:\bcolumn (?P<col>\d+)|:(?P<line>\d+):(?P<col2>\d+)\b)")
PANIC = re.compile(r"panicked at|RUST_BACKTRACE|stack backtrace")


def read(path):
    with open(path, "rb") as f:
        return ANSI.sub("", f.read().decode("utf-8", "replace"))


class Side:
    def __init__(self, out, side, filename):
        rc, secs = open(os.path.join(out, side + ".rc")).read().split()
        self.rc = int(rc)
        self.secs = float(secs)
        self.log = read(os.path.join(out, side + ".log"))
        lines = self.log.splitlines()
        self.error = ""
        for i, line in enumerate(lines):
            if line.startswith("error: "):
                self.error = line[len("error: "):]
                self.error_rest = "\n".join(lines[i:])
        if not self.error:
            self.error_rest = ""
        # Snippets naming the Dockerfile: buildctl prints them before the error line.
        self.snippet_lines = []
        for i, line in enumerate(lines[:-1]):
            m = SNIPPET.match(line)
            if m and lines[i + 1].startswith("-----") and m["file"] == filename:
                self.snippet_lines.append(int(m["line"]))
        self.text_lines = [int(m["line"]) for m in LINE_IN_TEXT.finditer(self.error_rest)]
        self.columns = [m["col"] or m["col2"] for m in COLUMN_IN_TEXT.finditer(self.error_rest)]
        self.columns += [m["col"] for m in LINE_IN_TEXT.finditer(self.error_rest) if m["col"]]
        self.hang = self.rc in (124, 137)
        self.ok = self.rc == 0

    def lines(self):
        return sorted(set(self.snippet_lines + self.text_lines))

    def outcome(self):
        if self.hang:
            return "timed out after %ss" % timeout
        if self.ok:
            return "builds"
        return self.error or "exit %d, no error line" % self.rc


def option_words(opts):
    """What naming the option means: its name (without build-arg:/context: prefixes) or its value."""
    words = []
    for opt in opts:
        key, _, value = opt.removeprefix("--opt=").partition("=")
        for prefix in ("build-arg:", "context:", "label:", "attest:"):
            if key.startswith(prefix):
                words.append(key[len(prefix):])
                break
        words.append(key)
        if value:
            words.append(value)
    return [w for w in words if w]


def names_option(side, words):
    text = side.error_rest
    return any(w in text for w in words)


def cell(text, limit=170):
    text = text.replace("\x00", "\\0").replace("\r", "\\r")
    text = "".join(ch if ch.isprintable() else "\\x%02x" % ord(ch) if ord(ch) < 256 else ch for ch in text)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.replace("|", "\\|").replace("`", "'")


rows, problems = [], []
known_count = 0
counts = {"ref_located": 0, "ours_located": 0}
for name in cases:
    d = os.path.join(cases_dir, name)
    out = os.path.join(work, name)
    what = open(os.path.join(d, "what")).read().strip()
    opts = []
    if os.path.exists(os.path.join(d, "opts")):
        opts = [l.strip() for l in open(os.path.join(d, "opts")) if l.strip()]
    filename = "Dockerfile"
    for o in opts:
        if o.startswith("--opt=filename="):
            filename = o[len("--opt=filename="):]
    if not all(os.path.exists(os.path.join(out, side + ".rc")) for side in ("reference", "ours")):
        problems.append("%s: the case's runner failed before both sides finished (see the lines above)" % name)
        continue
    ref = Side(out, "reference", filename)
    ours = Side(out, "ours", filename)
    daemon = read(os.path.join(out, "ours.daemon.log"))
    bad = []
    if ours.hang:
        bad.append("ours timed out")
    if PANIC.search(ours.log) or PANIC.search(daemon):
        bad.append("ours panicked")
    # Our process ended without a Return BuildKit could read (the daemon reports only the code).
    if re.fullmatch(r"failed to solve: exit code: \d+", ours.error):
        bad.append("ours exited without returning an error")
    if ref.ok != ours.ok and not ours.hang:
        bad.append("ours builds where the reference fails" if ours.ok else "ours fails where the reference builds")
    words = option_words(opts) if opts else []

    def located(side):
        """A description of what the side names, and the located lines."""
        parts = []
        if side.ok or side.hang:
            return "", False
        if side.lines():
            parts.append("%s:%s" % (filename, ",".join(map(str, side.lines()))))
        if side.columns:
            parts.append("col " + ",".join(sorted(set(side.columns))))
        if words and names_option(side, words):
            parts.append("names the option")
        return "; ".join(parts), bool(parts)

    ref_loc, ref_is = located(ref)
    ours_loc, ours_is = located(ours)
    counts["ref_located"] += ref_is
    counts["ours_located"] += ours_is
    if not ref.ok and not ours.ok and not ours.hang:
        if ref.lines():
            missing = [l for l in ref.lines() if l not in ours.lines()]
            if missing:
                bad.append("ours does not name %s line %s" % (filename, ",".join(map(str, missing))))
        if ref.columns and not set(ref.columns) <= set(ours.columns):
            bad.append("ours does not give the column")
        if words and names_option(ref, words) and not names_option(ours, words):
            bad.append("ours does not name the option")
    unlocated_path = os.path.join(d, "unlocated")
    unlocated = open(unlocated_path).read().strip() if os.path.exists(unlocated_path) else None
    if not ours.ok and not ours.hang and not ours_is and not unlocated:
        bad.append("ours names no line, column or option (or say why in tests/bad-input/%s/unlocated)" % name)
    if unlocated and (ours.ok or ours_is):
        problems.append("%s: ours is located now (delete tests/bad-input/%s/unlocated)" % (name, name))
    verdict = "; ".join(bad) if bad else "ok"
    if unlocated and not bad:
        verdict = "ok, unlocated: " + unlocated
    known_path = os.path.join(d, "differs")
    if os.path.exists(known_path):
        known = open(known_path).read().strip()
        if bad:
            verdict = "known: %s (%s)" % (verdict, known)
            known_count += 1
        else:
            verdict = "ok, but marked as differing"
            problems.append("%s: the known difference is gone (delete tests/bad-input/%s/differs)" % (name, name))
    elif bad:
        problems.append("%s: %s" % (name, verdict))
    rows.append((name, what, cell(ref.outcome()), ref_loc or "–", cell(ours.outcome()), ours_loc or "–", verdict,
                 ref.secs, ours.secs))

summary = "%d cases: reference located %d, ours located %d; %d known differences, %d problems; %ss with %s jobs" % (
    len(rows), counts["ref_located"], counts["ours_located"], known_count, len(problems), elapsed, jobs)

if doc:
    with open(doc, "w") as f:
        f.write("# Bad input through the real daemon\n\n")
        f.write("Written by `scripts/bad-input.sh` (issue 11); do not edit by hand. Every case of\n"
                "[tests/bad-input](../tests/bad-input) went through `buildctl build` to the daemon's builtin\n"
                "`dockerfile.v0` (the reference, BuildKit %s) and to our image (`--frontend gateway.v0\n"
                "--opt source=myorg/frontend`), with a %s s timeout per build. The error columns hold the first\n"
                "line of buildctl's `error:` (verbatim, cut at 170 characters; `|` escaped, backticks shown as\n"
                "`'`); \"builds\" means the build succeeded. The located columns say what the side names: the\n"
                "Dockerfile lines of its source snippets (`Dockerfile:N` blocks) or of \"line N\" in the message,\n"
                "a column where one is given, and for a case with options whether the message names the option\n"
                "(its name or value). A row fails when ours hangs, panics, succeeds or fails alone, or names less\n"
                "than the reference, or fails naming nothing without a written reason (the case's `unlocated`\n"
                "file: an error the daemon reports, not our frontend, or one about the whole file).\n\n" % (os.environ.get("BUILDKIT_VERSION", "v0.34.2"), timeout))
        f.write(summary + ".\n\n")
        f.write("| case | what is bad | reference: error | reference located | ours: error | ours located | verdict |\n")
        f.write("|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write("| %s | %s | %s | %s | %s | %s | %s |\n" % (r[0], cell(r[1]), r[2], r[3], r[4], r[5], r[6]))
for p in problems:
    print("PROBLEM " + p)
slow = sorted(rows, key=lambda r: -r[8])[:5]
print("slowest of ours: " + ", ".join("%s %.1fs (reference %.1fs)" % (r[0], r[8], r[7]) for r in slow))
print(summary)
sys.exit(1 if problems else 0)
PY
