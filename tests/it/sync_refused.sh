#!/bin/bash
# The server refusing a record (400 with an OperationOutcome) is permanent:
# the record stays, marked failed for staff (kiosk status) with the status
# and the OperationOutcome's severity and code, never its free text, the others still go, and it is sent again only when staff
# ask (--retry-failed).  Refused credentials (401) pause delivery and say so
# until staff resume it; a paused daemon sends nothing.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf
mkdir -p "$T/var"
fill 3
server_start "$PORT" --faults "400" --control "$T/control"

sync_once
[ "$RC" -eq 4 ] || fail "a refused record: exit $RC, expected 4"
[ "$(store_stat failed)" -eq 1 ] || fail "kiosk status does not show one failed record"
[ "$(store_stat delivered)" -eq 2 ] || fail "the other records were not delivered"
first=$(head -1 "$T/ids" | cut -d' ' -f1)
"$BUILD/kiosk" status --config "$T/kiosk.conf" >"$T/status.txt" 2>&1
grep -q "HTTP 400: error invalid" "$T/status.txt" ||
	fail "kiosk status does not show the status and the OperationOutcome's code"
grep -q "birthDate" "$T/status.txt" && fail "kiosk status shows the server's free text"
grep -q "$first" "$T/status.txt" || fail "kiosk status does not name the failed record"
grep -q "birthDate" "$T/sync.log" && fail "the server's text (may hold patient data) was logged"
grep -q "record $first: refused by the server (HTTP 400)" "$T/sync.log" ||
	fail "the refusal is not logged with the record id"

# Not retried on its own, even when due.
sync_once
[ "$RC" -eq 0 ] || fail "nothing due: exit $RC, expected 0"
[ "$(server_stat transactions)" -eq 2 ] || fail "a failed record was retried without staff asking"

# Staff fixed the cause and ask: it goes, exactly once.
sync_once --retry-failed
[ "$RC" -eq 0 ] || fail "--retry-failed: exit $RC, expected 0"
assert_exactly_once
[ "$(store_stat failed)" -eq 0 ] || fail "the record is still failed"

# Credentials refused: paused, status 5, and kiosk status says why.
fill 2 4
echo "x$TOKEN" >"$T/token"
sync_once
[ "$RC" -eq 5 ] || fail "wrong token: exit $RC, expected 5"
[ "$(store_stat sync_paused)" = "server refused the credentials (401)" ] ||
	fail "kiosk status does not show the pause: $(store_stat sync_paused)"
"$BUILD/kiosk" status --config "$T/kiosk.conf" 2>&1 | grep -q "server refused the credentials (401)" ||
	fail "kiosk status text does not show the pause"
[ "$(store_stat waiting)" -eq 2 ] || fail "records stopped waiting while paused"

# A (re)started daemon tries once more, is refused again and then waits:
# no further requests while paused.
daemon_start
WAIT=10 wait_for grep -q "delivery paused" "$T/daemon.log" || fail "the daemon did not pause"
n=$(server_stat auth_failures)
fill 1 6
sleep 2
[ "$(server_stat auth_failures)" -eq "$n" ] || fail "the paused daemon kept sending"
# Staff fix the token and resume (clear sync.paused): delivery continues.
echo "$TOKEN" >"$T/token"
: >"$T/empty"
"$T/fill_outbox" "$T/var/kiosk.db" --meta sync.paused "$T/empty"
WAIT=15 wait_for all_held || fail "delivery did not resume after staff cleared the pause"
grep -q "delivery resumed" "$T/daemon.log" || fail "the resume is not logged"
daemon_stop
assert_exactly_once
[ "$(store_stat waiting)" -eq 0 ] || fail "records still waiting"
echo "ok"
