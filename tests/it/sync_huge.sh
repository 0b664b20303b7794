#!/bin/bash
# An answer larger than kiosk-sync reads (4 MiB) is not downloaded to the
# end: a chunked one is stopped by the write callback, one with a
# Content-Length is refused up front.  Either way the record waits (with
# its patient data) and goes once the server answers normally.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf backoff_max=1
mkdir -p "$T/var"
fill 1
server_start "$PORT" --faults "huge,huge"
waiting() { "$T/fill_outbox" "$T/var/kiosk.db" --status | sed -n 's/^waiting=//p'; }

for framing in chunked length; do
	sync_once
	[ "$RC" -eq 3 ] || fail "$framing: exit $RC, expected 3"
	[ "$(waiting)" -eq 1 ] || fail "$framing: the record is no longer waiting"
	sleep 1.1
done
grep -c "HTTP 200 but the answer is larger than the kiosk reads; next try in" "$T/sync.log" |
	grep -qx 2 || fail "the oversized answers are not logged as such"
# The server could not send either answer to the end: the client stopped.
WAIT=20 wait_for sh -c "[ \$(curl -sf --cacert '$PKI/ca.pem' https://127.0.0.1:$PORT/_dump |
	$PY -c 'import json,sys; print(json.load(sys.stdin)[\"huge_cut\"])') -ge 2 ]" ||
	fail "kiosk-sync read an oversized answer to the end ($(server_stat huge_cut) of 2 cut)"
sync_once
[ "$RC" -eq 0 ] || fail "after the server behaved: exit $RC"
[ "$(waiting)" -eq 0 ] || fail "not delivered"
assert_exactly_once 0 3
echo "ok"
