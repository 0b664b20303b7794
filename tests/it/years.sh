#!/bin/bash
# Years of receipts: a database holding the receipts of 40 days at 250
# intakes a day (bench/gen_years.py writes them as the store leaves them
# after delivery and purge, audit chain included) plus records queued
# today.  `kiosk status` counts and lists them right, the audit chain holds,
# and the questions the kiosk asks at start-up, for the staff list and for
# status are answered through indexes, not by reading every receipt (the
# query shapes are those of kiosk/store.c; its cost would otherwise grow
# with every year the kiosk runs).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$root/build}
kiosk=$BUILD/kiosk
work=$(mktemp -d /tmp/years-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$kiosk" ] || fail "no $kiosk (build first)"
cc -std=c11 -D_DEFAULT_SOURCE -I"$root/kiosk" -o "$work/fill_outbox" \
	"$root/tests/tools/fill_outbox.c" "$BUILD/libkiosk.a" \
	$(pkg-config --libs sqlite3 libsodium) || fail "cannot build fill_outbox"
db=$work/var/kiosk.db
printf '[kiosk]\ndatabase = %s\ncontent = %s/screens\npublished = %s/published\npepper_file = %s/pepper\n' \
	"$db" "$root" "$work" "$work" >"$work/kiosk.conf"
"$kiosk" init --config "$work/kiosk.conf" >/dev/null || fail "kiosk init"
/usr/bin/python3 "$root/bench/gen_years.py" "$db" 40 250 || fail "gen_years.py"
"$work/fill_outbox" "$db" 3 >/dev/null || fail "fill_outbox"

out=$("$kiosk" status --verify-audit --config "$work/kiosk.conf" 2>/dev/null) || fail "kiosk status: $out"
grep -q '^records delivered: 10000$' <<<"$out" || fail "delivered count: $out"
grep -q '^records waiting: 3 ' <<<"$out" || fail "waiting count: $out"
grep -q '^audit log: intact$' <<<"$out" || fail "audit chain: $out"
[ "$(sqlite3 "$db" "SELECT n FROM outbox_counts WHERE state = 'delivered'")" = \
  "$(sqlite3 "$db" "SELECT count(*) FROM outbox WHERE state = 'delivered'")" ] || fail "kept count"

plan() { # query: fails if SQLite would read a whole table for it
	local p
	p=$(sqlite3 "$db" "EXPLAIN QUERY PLAN $1") || fail "plan of $1"
	# A scan of the partial index of test records reads those only.
	if grep 'SCAN' <<<"$p" | grep -vq 'USING INDEX sessions_test$'; then
		fail "reads every row: $1
$p"
	fi
}
plan "UPDATE sessions SET state = 'interrupted' WHERE state = 'in_progress'"
plan "SELECT id FROM sessions WHERE state = 'interrupted' ORDER BY updated DESC, rowid DESC LIMIT 1"
plan "DELETE FROM sessions WHERE state = 'interrupted' AND updated < 100"
plan "SELECT s.id FROM sessions s JOIN outbox o ON o.id = s.id WHERE s.state = 'completed'
      AND s.completed >= 100 ORDER BY s.completed DESC, s.rowid DESC"
plan "SELECT count(*) FROM sessions s JOIN outbox o ON o.id = s.id WHERE s.test = 1"
plan "SELECT coalesce(max(delivered), 0) FROM outbox"
plan "SELECT coalesce(max(failed_seq), 0) + 1 FROM outbox"
echo "PASS: years"
