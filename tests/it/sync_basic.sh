#!/bin/bash
# kiosk-sync delivers queued intakes to a real TLS FHIR server exactly once:
# --once and its exit status, one reused connection, nothing sent twice, the
# Questionnaire upload, the daemon picking up a new record without polling,
# and SIGTERM.
. tests/tools/sync_lib.sh
sync_setup

# --help documents the exit statuses.
"$BUILD/kiosk-sync" --help >"$T/help"
for s in "0 " "3 " "4 " "5 " "2 "; do
	grep -q "^  $s" "$T/help" || fail "--help does not explain exit status $s"
done
"$BUILD/kiosk-sync" --bogus 2>/dev/null && fail "an unknown option was accepted"

PORT=$(free_port)
write_conf
server_start "$PORT" --control "$T/control"

# Nothing queued: nothing to do, status 0, no request.
mkdir -p "$T/var"
sync_once
[ "$RC" -eq 0 ] || fail "empty outbox: exit $RC, expected 0"
[ "$(server_stat transactions)" -eq 0 ] || fail "a request was sent for an empty outbox"

# Five intakes: all delivered once over one connection, status 0.
fill 5
sync_once
[ "$RC" -eq 0 ] || fail "5 records: exit $RC, expected 0"
assert_exactly_once
[ "$(server_stat transactions)" -eq 5 ] || fail "expected 5 transactions"
[ "$(server_stat connections)" -eq 1 ] || fail "expected one reused connection, got $(server_stat connections)"
[ "$(store_stat waiting)" -eq 0 ] || fail "records still waiting after delivery"
[ "$(store_stat delivered)" -eq 5 ] || fail "the store does not show 5 delivered"
grep -q "delivered (HTTP 200" "$T/sync.log" || fail "no delivery logged"
grep -q "Test Person" "$T/sync.log" && fail "patient data in the sync log"

# Delivered records are never sent again.
sync_once
[ "$RC" -eq 0 ] || fail "second run: exit $RC"
[ "$(server_stat transactions)" -eq 5 ] || fail "delivered records were sent again"

# Questionnaire: the kiosk sets questionnaire.pending, sync PUTs it once.
cat >"$T/q.json" <<'EOF'
{"resourceType":"Questionnaire","id":"microneedling-intake","url":"https://fhir.example.org/Questionnaire/microneedling-intake","version":"v-test-1","status":"active","item":[{"linkId":"full_name","text":"Full name","type":"string"}]}
EOF
"$T/fill_outbox" "$T/var/kiosk.db" --meta questionnaire.pending "$T/q.json" || fail "cannot set meta"
sync_once
[ "$RC" -eq 0 ] || fail "questionnaire upload: exit $RC"
dump | $PY -c '
import json, sys
r = json.load(sys.stdin)["resources"].get("Questionnaire/microneedling-intake")
sys.exit(0 if r and r["writes"] == 1 and r["resource"]["version"] == "v-test-1" else 1)' ||
	fail "the Questionnaire is not on the server"
sync_once
dump | $PY -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["resources"]["Questionnaire/microneedling-intake"]["writes"] == 1 else 1)' ||
	fail "the Questionnaire was uploaded again without a change"
assert_exactly_once 1

# The daemon: a record queued while it sleeps reaches the server promptly.
daemon_start
WAIT=10 wait_for grep -q "running: watching" "$T/daemon.log" || fail "the daemon did not start"
fill 1 6
WAIT=10 wait_for all_held || fail "the daemon did not pick up the new record"
# One sync per database: a second one is refused, status 6.
sync_once
[ "$RC" -eq 6 ] || fail "a second kiosk-sync on the same database: exit $RC, expected 6"
# Idle, it sleeps in poll(): a handful of wake-ups at most, not a polling loop.
sleep 0.5
c1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$DAEMON_PID/status")
sleep 3
c2=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$DAEMON_PID/status")
[ $((c2 - c1)) -lt 10 ] || fail "the idle daemon woke $((c2 - c1)) times in 3 s (polling?)"

# SIGTERM during a slow request: the request completes, the record is marked
# delivered, the daemon exits 0; nothing is sent again afterwards.
echo "slow" >"$T/control"
fill 1 7
WAIT=10 wait_for sh -c "curl -sf --cacert $PKI/ca.pem https://127.0.0.1:$PORT/_dump | grep -q slow" ||
	fail "the daemon did not send the new record"
daemon_stop
grep -q "stopped" "$T/daemon.log" || fail "the daemon did not log its stop"
all_held || fail "the request in flight at SIGTERM was not finished"
[ "$(store_stat waiting)" -eq 0 ] || fail "the record sent during SIGTERM is still waiting"
sync_once
[ "$RC" -eq 0 ] || fail "after SIGTERM: exit $RC"
[ "$(server_stat transactions)" -eq 7 ] || fail "the record finished at SIGTERM was sent again"
assert_exactly_once 1
echo "ok"
