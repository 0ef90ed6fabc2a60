#!/bin/sh
# Regenerates the golden files test/golden/<case>/expected.ndjson from the current `mailtap read`
# output (all cases, or the case names given as arguments). Deliberate: review `git diff test/golden`
# and re-check by hand the fields each case README lists before committing the new baselines.
set -eu
cd "$(dirname "$0")/.."
exec node --import tsx test/golden/regenerate.ts "$@"
