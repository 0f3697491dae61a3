#!/usr/bin/env bash
# The project's single test command (README, .ci/run):
#   env-up -> cargo test -> short fuzz run -> frontend image (scripts/build-frontend-image.sh) ->
#   cargo test --features e2e (tests/) -> compare self-test -> scripts/e2e/*.sh ->
#   the build-check corpus through buildx, ours against the builtin (scripts/check-corpus.sh) ->
#   bad input through buildctl, ours against the builtin (scripts/bad-input.sh) ->
#   BuildKit's own Dockerfile integration suite against the builtin frontend, the reference image
#   and ours (scripts/upstream-suite.sh; fails on a difference not in scripts/upstream-suite.known)
# and env-down at the end, also when a step fails. Each step logs to $DFLLB_RUN/logs/<step>.log; a
# failing step's log is shown. The last line is "N passed, N failed"; the exit status is 1 if any
# step failed.
#
# Environment: by default a fresh one in /tmp/dfllb-test.XXXXXX, torn down at the end. With
# DFLLB_RUN set to a running environment (e.g. after `source /tmp/dfllb-run/env.sh`), that one is
# reused and left running.
set -uo pipefail
# Nobody chose an environment: use a private one, so a shared /tmp/dfllb-run is never touched.
[ -n "${DFLLB_RUN:-}" ] || DFLLB_RUN=$(mktemp -u /tmp/dfllb-test.XXXXXX)
export DFLLB_RUN
source "$(dirname "$0")/lib.sh"
cd "$DFLLB_ROOT"
own_env=1
if bash scripts/env-up.sh --check; then own_env=0; fi

started=$SECONDS
LOGS=$(mktemp -d /tmp/dfllb-test-logs.XXXXXX)
passed=0 failed=0 failed_steps=()

finish() {
  local code=$?
  if [ $own_env = 1 ]; then bash scripts/env-down.sh >>"$LOGS/env-down.log" 2>&1 || echo "env-down failed, see $LOGS/env-down.log"; fi
  [ $failed = 0 ] && [ $code = 0 ] && rm -rf "$LOGS"
  echo "total $((SECONDS - started))s${failed_steps[*]:+; failed: ${failed_steps[*]}}"
  echo "$passed passed, $failed failed"
}
trap finish EXIT
trap 'exit 130' INT TERM

# step NAME COMMAND...: runs COMMAND with its output in $LOGS/NAME.log, prints one line about it.
step() {
  local name=$1; shift
  local t0=$SECONDS
  if "$@" >"$LOGS/$name.log" 2>&1 </dev/null; then
    passed=$((passed + 1))
    printf 'ok    %-40s %4ss\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); failed_steps+=("$name")
    printf 'FAIL  %-40s %4ss  (log: %s)\n' "$name" $((SECONDS - t0)) "$LOGS/$name.log"
    echo "---- last lines of $name.log ----"
    tail -n 60 "$LOGS/$name.log"
    echo "----"
  fi
}

# Environments of earlier runs that were killed before their cleanup (their test.sh is gone).
for stale in /tmp/dfllb-test.*; do
  [ -f "$stale/test-owner" ] && ! kill -0 "$(cat "$stale/test-owner")" 2>/dev/null || continue
  echo "removing the environment of a killed run: $stale"
  DFLLB_RUN=$stale bash scripts/env-down.sh >/dev/null 2>&1 || true
done

echo "test environment: $DFLLB_RUN (logs in $LOGS)"
step env-up bash scripts/env-up.sh
if [ $failed != 0 ]; then exit 1; fi
[ $own_env = 0 ] || echo $$ > "$DFLLB_RUN/test-owner"
# shellcheck source=/dev/null
source "$DFLLB_RUN/env.sh"

step cargo-test cargo test --locked
# A short libFuzzer run of each target (parser, expansion, conversion, gateway inputs): no
# panic, hang, runaway memory or nondeterminism.
step fuzz-short env FUZZ_SECONDS=30 bash scripts/fuzz-short.sh
# Our frontend as myorg/frontend:latest in the registry, so e2e tests can build with it.
step frontend-image bash scripts/build-frontend-image.sh
step cargo-test-e2e cargo test --locked --features e2e --test '*'
step compare-selftest python3 scripts/compare_test.py
for script in scripts/e2e/*.sh; do
  step "e2e-$(basename "$script" .sh)" bash "$script"
done
# --call check/outline/targets/convertllb and builds' warnings, ours against the builtin (2-3 minutes).
step check-corpus bash scripts/check-corpus.sh
# Broken Dockerfiles and bad options through buildctl, ours against the builtin (under a minute);
# --no-doc: a test run does not rewrite docs/bad-input.md.
step bad-input bash scripts/bad-input.sh --no-doc
step upstream-suite bash scripts/upstream-suite.sh
[ $failed = 0 ]
