#!/usr/bin/env bash
# The default run's old daemon (issue 8, part 2): buildkitd of the previous pin
# ($BUILDKIT_PREVIOUS_VERSION, built by install-tools.sh), a daemon of its own sharing the
# environment's registry; the five multi-stage patterns built through our image must equal that
# daemon's builtin frontend (scripts/compare). The new daemon, the pin, is the environment's own
# (tests/e2e_patterns.rs). This is the `previous` row of scripts/daemon-matrix.sh.
exec bash "$(dirname "$0")/../daemon-matrix.sh" --row previous
