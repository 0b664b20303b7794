#!/bin/bash
# Purge test: once the clinic's server has a record, the patient's name,
# date of birth and phone number are gone from the kiosk -- not just from
# the tables but from the raw bytes of the database, its WAL and journal.
#
# A recognisable (fictional) patient completes an intake through the real
# code path (`kiosk simulate --record`); tests/tools/store_deliver.c then
# does what kiosk-sync does when the server answers 200.  With retention
# configured the data stays until store_purge() runs past it.  Last,
# `kiosk status` shows the delivery without patient data, and
# `--verify-audit` catches an audit entry altered behind the kiosk's back.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$root/build}
kiosk=$BUILD/kiosk
work=$(mktemp -d /tmp/purge-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$kiosk" ] || fail "no $kiosk (build first)"
[ -f "$BUILD/libkiosk.a" ] || fail "no $BUILD/libkiosk.a"
cc -std=c11 -D_DEFAULT_SOURCE -I"$root/kiosk" -o "$work/store_deliver" \
	"$root/tests/tools/store_deliver.c" "$BUILD/libkiosk.a" \
	$(pkg-config --libs sqlite3 libsodium) || fail "cannot build store_deliver"

name='Zoë Testpatient-Quokka'
dob='1987-02-19'
phone='(561) 555-0142'
sed -e "s/^full_name: .*/full_name: \"$name\"/" -e "s/^consent: .*/consent: \"$name\"/" \
	-e "s/^dob: .*/dob: \"$dob\"/" -e "s/^phone: .*/phone: \"$phone\"/" \
	"$root/tests/content/all-clear.yaml" >"$work/patient.yaml"
grep -q Quokka "$work/patient.yaml" || fail "could not write the answers file"

# The bytes to look for: the name (and its rarest part alone), the date of
# birth, the phone number as typed.
needles=("$name" "Testpatient-Quokka" "$dob" "$phone")

# -a: the files are binary; -F: literal.
found() { # file... : prints each needle found in any of the files
	for n in "${needles[@]}"; do
		for f in "$@"; do
			[ -f "$f" ] && grep -aqF -- "$n" "$f" && { echo "'$n' in ${f##*/}"; break; }
		done
	done
}

run_case() { # retention_days
	local dir=$work/r$1 db conf id out
	db=$dir/var/kiosk.db
	conf=$dir/kiosk.conf
	mkdir -p "$dir"
	printf '[kiosk]\ndatabase = %s\ncontent = %s/screens\nretention_days = %s\n' \
		"$db" "$root" "$1" >"$conf"
	"$kiosk" init --config "$conf" >/dev/null || fail "kiosk init failed"
	id=$("$kiosk" simulate --record --test-into-live-db --config "$conf" "$work/patient.yaml") || fail "simulate --record failed"
	[ -n "$id" ] || fail "no session id printed"
	# The search works: before delivery every needle is on disk.
	out=$(found "$db" "$db-wal" "$db-journal")
	[ "$(echo "$out" | grep -c .)" -eq "${#needles[@]}" ] ||
		fail "before delivery not all test data was found on disk: $out"

	delivered=$("$work/store_deliver" "$db" $(($1 * 86400))) || fail "store_deliver failed"
	[ "$delivered" = "$id" ] || fail "delivered '$delivered', expected $id"
	if [ "$1" -gt 0 ]; then
		# Kept for the retention period, then purged.
		[ -n "$(found "$db" "$db-wal")" ] || fail "retention $1 days: data purged too early"
		"$work/store_deliver" "$db" --purge $(( $(date +%s) + 3600 )) $(($1 * 86400)) || fail "purge"
		[ -n "$(found "$db" "$db-wal")" ] || fail "retention $1 days: data purged before the period ended"
		"$work/store_deliver" "$db" --purge $(( $(date +%s) + $1 * 86400 + 60 )) $(($1 * 86400)) ||
			fail "purge"
	fi
	out=$(found "$db" "$db-wal" "$db-journal" "$db-shm")
	[ -z "$out" ] || fail "retention $1: patient data left on disk after delivery: $out"

	# The receipt stays: id, outcome, the server's location.
	[ "$(sqlite3 "$db" "SELECT count(*) FROM outbox WHERE id = '$id' AND state = 'delivered'
		AND location = 'Bundle/$id/_history/1' AND bundle IS NULL")" = 1 ] || fail "no receipt"
	[ "$(sqlite3 "$db" "SELECT outcome FROM sessions WHERE id = '$id'")" = clear ] || fail "no outcome"
	[ "$(sqlite3 "$db" "SELECT count(*) FROM answers")" = 0 ] || fail "answers left"
	[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity"
	# Still gone once every connection has closed (the sqlite3 calls above
	# were the last).
	out=$(found "$db" "$db-wal" "$db-journal" "$db-shm")
	[ -z "$out" ] || fail "retention $1: patient data on disk after closing: $out"

	# kiosk status shows the delivery and no patient data.
	"$kiosk" status --config "$conf" >"$dir/status" 2>&1 || fail "kiosk status failed"
	grep -q '^records delivered: 1$' "$dir/status" || { cat "$dir/status"; fail "status: not delivered"; }
	out=$(found "$dir/status")
	[ -z "$out" ] || fail "kiosk status shows patient data: $out"
	echo "retention $1 days: purged ok"
}

run_case 0
run_case 2

# The audit log of that run is whole; `kiosk status --verify-audit` notices
# an entry someone altered behind the kiosk's back (exit 1), also in JSON.
conf=$work/r0/kiosk.conf
db=$work/r0/var/kiosk.db
"$kiosk" status --verify-audit --config "$conf" 2>/dev/null | grep -q '^audit log: intact$' ||
	fail "audit log not intact after a purge"
sqlite3 "$db" "UPDATE audit SET detail = 'nothing to see' WHERE id = 2"
"$kiosk" status --verify-audit --config "$conf" >"$work/st" 2>/dev/null
rc=$?
[ "$rc" -eq 1 ] || fail "status --verify-audit exit $rc on an altered audit log"
grep -q '^audit log: BROKEN: entry 2 ' "$work/st" || { cat "$work/st"; fail "broken audit not reported"; }
"$kiosk" status --json --verify-audit --config "$conf" >"$work/st.json" 2>/dev/null
[ $? -eq 1 ] || fail "status --json --verify-audit should exit 1"
/usr/bin/python3 - "$work/st.json" <<'EOF' || fail "status --json is wrong"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["delivered"] == 1 and s["waiting"] == 0 and s["failed"] == 0, s
assert s["audit_intact"] is False and s["audit_first_bad_entry"] == 2, s
assert isinstance(s["last_delivery"], int) and s["sync_paused"] is None, s
EOF
echo ok
