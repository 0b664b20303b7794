#!/bin/bash
# A server that fails in every way we know still ends up holding every
# record exactly once: 500, 503 with Retry-After in seconds and as an HTTP
# date, 429, a slow answer, a connection reset after the server stored the
# bundle, a request that hangs until the timeout, and an answer that is not
# JSON.  Retry-After is honoured even when longer than sync.backoff_max.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf backoff_max=2 timeout=3
mkdir -p "$T/var"
fill 4
server_start "$PORT" --faults "500,503,503date,429,slow,reset,hang,badjson"
daemon_start
WAIT=90 wait_for all_held || fail "not every record reached the server"
# A record whose answer was lost is sent again: PUT writes the same
# resources again instead of creating new ones.
WAIT=10 wait_for sh -c "[ \$(\"$T/fill_outbox\" \"$T/var/kiosk.db\" --status | sed -n 's/^waiting=//p') -eq 0 ]" ||
	fail "records still waiting after the server holds them all"
assert_exactly_once 0 3
daemon_stop
[ "$(server_stat faults_applied | tr -cd , | wc -c)" -ge 8 ] || fail "not every fault was served"

log=$T/daemon.log
grep -q "HTTP 500; next try in" "$log" || fail "500 not retried"
grep -Eq "HTTP 503; next try in [34]s" "$log" || fail "Retry-After as an HTTP date not honoured"
grep -q "HTTP 429; next try in 3s" "$log" || fail "Retry-After: 3 (above backoff_max) not honoured"
grep -Eqi "reset|recv failure|empty reply" "$log" || fail "the connection reset is not logged"
grep -q "timed out" "$log" || fail "the hung request did not time out"
grep -q "not a FHIR Bundle" "$log" || fail "the non-JSON answer was not rejected"
grep -q "Test Person\|birthDate" "$log" && fail "patient data in the log"

# After all that, a new run finds nothing to send.
sync_once
[ "$RC" -eq 0 ] || fail "after delivery: exit $RC"
echo "ok"
