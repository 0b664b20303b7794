#!/bin/bash
# `kiosk status` on a database with damaged pages.  Reading every page
# takes longer each year, so the check runs at the kiosk's start, daily in
# kiosk-sync and with `status --check`, and plain `status` reports the last
# one kept: once damage was found it exits non-zero with a message instead
# of reporting the counts it could still read.  The damage is real: a page
# of the audit table (which plain `status` never reads) overwritten with dd.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
kiosk=$BUILD/kiosk
work=$(mktemp -d /tmp/status-corrupt.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$work/var/kiosk.db
conf=$work/kiosk.conf
printf '[kiosk]\ndatabase = %s\ncontent = %s/screens\n' "$db" "$PWD" >"$conf"
"$kiosk" init --config "$conf" >/dev/null || fail "kiosk init"
"$kiosk" status --config "$conf" >"$work/out" 2>&1 || fail "status on a healthy database: $(cat "$work/out")"
grep -q "^integrity: not checked yet" "$work/out" || fail "a check was reported before any: $(cat "$work/out")"
"$kiosk" status --check --config "$conf" >"$work/out" 2>&1 || fail "status --check on a healthy database: $(cat "$work/out")"
grep -q "^integrity: ok (every page checked" "$work/out" || fail "the check was not kept: $(cat "$work/out")"
page=$(sqlite3 "$db" "PRAGMA page_size")
root=$(sqlite3 "$db" "SELECT rootpage FROM sqlite_master WHERE name = 'audit'")
[ -n "$root" ] && [ "$root" -gt 1 ] || fail "no audit table page"
head -c "$page" /dev/urandom | dd of="$db" bs="$page" seek=$((root - 1)) conv=notrunc status=none
"$kiosk" status --check --config "$conf" >"$work/out" 2>&1
rc=$?
[ $rc -ne 0 ] || fail "status --check exited 0 on a corrupted database: $(cat "$work/out")"
grep -q "corrupt" "$work/out" || fail "no message about the damage: $(cat "$work/out")"
# What --check found is kept: plain status (no page reading) says it too.
"$kiosk" status --config "$conf" >"$work/out" 2>&1 && fail "status exited 0 after damage was found: $(cat "$work/out")"
grep -q "found: database is corrupt" "$work/out" || fail "status did not report the damage found: $(cat "$work/out")"
"$kiosk" status --json --config "$conf" >"$work/out" 2>&1 && fail "status --json exited 0 on a corrupted database"
echo "ok: status exits $rc on a corrupted database: $(grep corrupt "$work/out" | head -1)"
