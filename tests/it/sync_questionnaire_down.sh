#!/bin/bash
# The Questionnaire upload, the first request of a run, fails (the server
# never answers it): that run stops there, like after any transient
# failure, and the queued records wait for the next try instead of going
# to a server that has just failed.  Nothing is lost: the next run sends
# the Questionnaire and every record.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf "kiosk.content=$ROOT/screens" timeout=3 backoff_max=2
mkdir -p "$T/var"
"$BUILD/kiosk" export-fhir --config "$T/kiosk.conf" >"$T/q.json" || fail "export-fhir failed"
"$T/fill_outbox" "$T/var/kiosk.db" --meta questionnaire.pending "$T/q.json" >/dev/null
fill 3
server_start "$PORT" --faults "hang"

sync_once
[ "$RC" -eq 3 ] || fail "the Questionnaire upload timed out: exit $RC, expected 3"
grep -q "questionnaire .*next try in" "$T/sync.log" || fail "the failed upload is not logged"
[ "$(grep -c "next try in" "$T/sync.log")" -eq 1 ] ||
	fail "the run went on after the failure: $(grep -c 'next try in' "$T/sync.log") failures logged"
[ "$(server_stat transactions)" -eq 0 ] || fail "records were sent after the server had just failed"
[ "$(store_stat waiting)" -eq 3 ] || fail "records were lost"

sleep 3
sync_once
[ "$RC" -eq 0 ] || fail "the next run: exit $RC, expected 0"
assert_exactly_once 1   # and the Questionnaire
echo ok
