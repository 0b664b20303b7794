#!/bin/bash
# A queued record this kiosk could not have written (its Patient's fullUrl
# is not a UUID) cannot take the sync.patient = match form: it is sent as
# it was queued and the server judges it; it never stops kiosk-sync, so
# the records after it are delivered.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf
mkdir -p "$T/var"
fill 1 1 match
fill 1 2 match
odd=$(head -1 "$T/ids" | cut -d' ' -f1)
sqlite3 "$T/var/kiosk.db" "UPDATE outbox SET bundle = replace(bundle, 'urn:uuid:$odd', 'urn:uuid:not-a-uuid') WHERE id = '$odd'"
grep -q . <(sqlite3 "$T/var/kiosk.db" "SELECT 1 FROM outbox WHERE bundle LIKE '%urn:uuid:not-a-uuid%'") ||
	fail "the fixture did not change the record"
server_start "$PORT"

sync_once
[ "$RC" -ne 1 ] || fail "kiosk-sync stopped on the odd record: $(tail -3 "$T/sync.log")"
grep -q "record $odd: .*sent as queued" "$T/sync.log" || fail "the odd record is not said to go as queued"
good=$(tail -1 "$T/ids" | cut -d' ' -f1)
grep -q "record $good: delivered" "$T/sync.log" || fail "the record after it was not delivered"
echo ok
