#!/bin/sh
# Coverage-guided fuzzing of mailtap's parsers for longer than CI does (issue 8).
#   scripts/fuzz.sh [target|all] [seconds per target] [seed]
#   scripts/fuzz.sh minimize <target> <finding.bin>     (writes <finding>.min.bin)
# Targets: decode-packet capture-file reassembler smtp-session mime tls-handshake. Default: all, 300 s each.
# New corpus entries and findings go to $FUZZ_OUT (default /tmp/mailtap-fuzz); the next run starts
# from that corpus. A finding's .bin becomes test/fuzz/regressions/<target>/<name>.bin once fixed.
set -eu
cd "$(dirname "$0")/.."
exec node --import tsx test/fuzz/cli.ts "$@"
