#!/bin/bash
# A refusal that quotes the patient (422, an OperationOutcome whose
# diagnostics and details.text say "Patient.name 'Person' rejected"): the
# record is kept for staff, but nothing the server wrote beyond the status,
# the issue severity and code and the element path is kept.  The quote is
# nowhere in the database (raw bytes of the file and its WAL), nor in
# `kiosk status` (text and --json), the log or the staff screen; once the
# record is delivered the family name is nowhere on disk at all.  A
# database from an older version that kept such text loses it on upgrade.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf kiosk.content="$ROOT/screens"
mkdir -p "$T/var"
db=$T/var/kiosk.db
fill 1
echo quote422 >"$T/control"
server_start "$PORT" --control "$T/control"
on_disk() { cat "$db" "$db-wal" 2>/dev/null | grep -aqF -- "$1"; }

sync_once
[ "$RC" -eq 4 ] || fail "a refusal: exit $RC, expected 4"
[ "$(store_stat failed)" -eq 1 ] || fail "the record is not kept as failed"
# The record itself (the patient's data) is kept for staff ...
on_disk '"family":"Person"' || fail "the refused record lost its data"
# ... but not the server's words about it.
for s in "rejected" "'Person'"; do
	on_disk "$s" && fail "the server's text '$s' is in the database"
done
"$BUILD/kiosk" status --config "$T/kiosk.conf" >"$T/status.txt" 2>&1
"$BUILD/kiosk" status --json --config "$T/kiosk.conf" >"$T/status.json" 2>&1
grep -q "HTTP 422: error invariant at Patient.name\[0\].family" "$T/status.txt" ||
	fail "kiosk status does not show the status, severity, code and path: $(cat "$T/status.txt")"
grep -q "Person\|rejected" "$T/status.txt" "$T/status.json" "$T/sync.log" &&
	fail "the server's quote reached kiosk status or the log"
staff_queue "$T/staff.txt"
grep -q "HTTP 422: error invariant at" "$T/staff.txt" || { cat "$T/staff.txt"; fail "the staff screen does not show the refusal"; }
grep -q "Person\|rejected" "$T/staff.txt" && { cat "$T/staff.txt"; fail "the server's quote is on the staff screen"; }

# Staff retry once the server accepts it: delivered, and then the family
# name is nowhere on disk.
echo ok >"$T/control"
sync_once --retry-failed
[ "$RC" -eq 0 ] || fail "--retry-failed: exit $RC"
assert_exactly_once 1  # and the Questionnaire the kiosk queued
on_disk "Person" && fail "the family name is still on disk after delivery"

# A database written by an older version, with the quote in a failed
# record's reason: the upgrade cuts it to the status.
fill 1 2
sqlite3 "$db" "UPDATE outbox SET state = 'failed', reason = 'HTTP 422: Patient.name ''Person'' rejected'
	WHERE state = 'waiting'; DROP TABLE sync_state; ALTER TABLE sessions DROP COLUMN test;
	PRAGMA user_version = 3;" || fail "cannot age the database"
sync_once
[ "$(sqlite3 "file:$db?mode=ro" "SELECT reason FROM outbox WHERE state = 'failed'")" = "HTTP 422" ] ||
	fail "the upgrade kept the old server text"
"$BUILD/kiosk" status --config "$T/kiosk.conf" 2>&1 | grep -q "rejected" && fail "kiosk status shows old server text"
echo "ok"
