#!/usr/bin/env bash
# A remote buildkitd (the pin) over TCP with mutual TLS, certificates made by the test with openssl:
# a pattern built through our image with `buildctl --addr tcp://... --tlscacert/--tlscert/--tlskey`
# and with a buildx remote builder given the same files must equal the daemon's builtin frontend,
# and a client without a certificate is refused. The `tls` row of scripts/daemon-matrix.sh.
exec bash "$(dirname "$0")/../daemon-matrix.sh" --row tls
