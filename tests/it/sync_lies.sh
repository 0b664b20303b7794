#!/bin/bash
# A server that answers 200 without holding the record as sent never gets
# the patient's data purged: a searchset, a batch-response of 422s, a
# transaction-response with a refused entry, one entry short, a location
# naming another resource, or a location with a query string.  Each lie
# leaves the record waiting in the outbox with its patient data (raw bytes
# of the database and its WAL), and once the server behaves the record is
# delivered exactly once and only then purged.  The server's location goes
# into the audit log only as a checked Type/id/_history/version.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf backoff_max=1
mkdir -p "$T/var"
server_start "$PORT" --control "$T/control"
db=$T/var/kiosk.db

# The record's patient data is on disk: its Bundle names "Test Person N".
phi() { cat "$db" "$db-wal" 2>/dev/null | grep -aqF "\"Test Person $1\""; }
waiting() { "$T/fill_outbox" "$db" --status | sed -n 's/^waiting=//p'; }

n=0
for lie in searchset batchfail entry422 short wrongloc locquery; do
	n=$((n + 1))
	fill 1 "$n"
	echo "$lie" >"$T/control"
	sync_once
	[ "$RC" -eq 3 ] || fail "$lie: exit $RC, expected 3 (left for a later try)"
	[ "$(waiting)" -eq 1 ] || fail "$lie: the record is no longer waiting"
	phi "$n" || fail "$lie: the patient's data was purged on a lie"
	grep -q "record .*: HTTP 200 but .*; next try in" "$T/sync.log" ||
		fail "$lie: the lie is not logged as a retry"
	# The server behaves again: delivered once, then purged.
	echo ok >"$T/control"
	tries=0
	while [ "$(waiting)" -ne 0 ] && [ "$tries" -lt 20 ]; do
		sleep 0.5
		sync_once
		tries=$((tries + 1))
	done
	[ "$(waiting)" -eq 0 ] || fail "$lie: not delivered after the server behaved"
	[ "$RC" -eq 0 ] || fail "$lie: delivery run exit $RC"
	phi "$n" && fail "$lie: patient data still on disk after delivery"
	: >"$T/sync.log.$lie"
	cat "$T/sync.log" >>"$T/sync.log.$lie"
	: >"$T/sync.log"
done
# Every record on the server once (those the lie stored were written twice:
# the same PUT again, which leaves one resource).
assert_exactly_once 0 2
[ "$(store_stat delivered)" -eq "$n" ] || fail "kiosk status does not show $n delivered"

# The audit log names delivered resources by checked Type/id/_history/v
# only: the query string (with the family name) never reached it.
cat "$db" "$db-wal" 2>/dev/null | grep -aq "name=Person" && fail "the server's location query is on disk"
sqlite3 "file:$db?mode=ro" "SELECT detail FROM audit WHERE action = 'record.delivered'" >"$T/audit.txt" ||
	fail "cannot read the audit log"
[ "$(grep -c . "$T/audit.txt")" -eq "$n" ] || fail "expected $n delivery audit entries"
grep -Evq '^[0-9a-f-]{36} Patient/[0-9a-f-]{36}(/_history/[A-Za-z0-9.-]+)? QuestionnaireResponse/[0-9a-f-]{36}(/_history/[A-Za-z0-9.-]+)?$' \
	"$T/audit.txt" && fail "an audit entry is not a checked Type/id list: $(cat "$T/audit.txt")"
"$BUILD/kiosk" status --verify-audit --config "$T/kiosk.conf" >/dev/null 2>&1 || fail "audit chain broken"
echo "ok"
