#!/bin/sh
# `make bench`: the kiosk against a browser kiosk and a dialog + curl
# script on this machine; prints a table and writes bench/results.md.
# BUILD names the folder with the binaries (the Makefile passes it).
# Extra arguments go to bench/bench.py (--quick, --keep, --out FILE).
set -e
cd "$(dirname "$0")/.."
# The sync rows talk to the test FHIR server (Medplum's engine).
sh tests/tools/fhir-deps.sh
exec /usr/bin/python3 bench/bench.py --build "${BUILD:-build}" "$@"
