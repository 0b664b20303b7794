#!/bin/bash
# `kiosk font-check` tries larger text on the Linux console it runs on.
# Off a VT (no terminal, or a pseudo-terminal as a terminal window or SSH
# gives) it changes nothing and says where to run it, with exit 1; a font
# file that cannot be read is exit 2 naming the file.  Loading the font
# needs a real VT: deploy/DEPLOY.md says how to run it there.
set -u
kiosk="$BUILD/kiosk"
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

setsid "$kiosk" font-check </dev/null >"$work/out" 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "no terminal: exit $rc, want 1"; fail=1; }
grep -q "run it on the kiosk's Linux console" "$work/out" || { echo "no terminal:"; cat "$work/out"; fail=1; }

script -qec "$kiosk font-check 1" /dev/null >"$work/out" 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "pty: exit $rc, want 1"; fail=1; }
grep -q "not a Linux console" "$work/out" || { echo "pty:"; cat "$work/out"; fail=1; }

printf '[display]\nlarge_font = %s/missing.psf.gz\n' "$work" >"$work/k.conf"
"$kiosk" font-check --config "$work/k.conf" >"$work/out" 2>&1
rc=$?
[ $rc -eq 2 ] || { echo "missing font: exit $rc, want 2"; fail=1; }
grep -q "missing.psf.gz: cannot open" "$work/out" || { echo "missing font:"; cat "$work/out"; fail=1; }

[ $fail -eq 0 ] && echo "ok: font-check refuses to run off a Linux VT"
exit $fail
