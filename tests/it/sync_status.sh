#!/bin/bash
# What staff and `kiosk status` say about delivery: "not configured" when
# kiosk.conf names no server (not "running"), "not started" before
# kiosk-sync tried, "failing since … (next try …)" with the server down
# (the time of the first failed attempt, kept across attempts and
# restarts), "ok, last delivery …" once it is back, and "paused: …" when
# the server refuses the credentials.  The state kiosk-sync records holds
# no patient data.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
mkdir -p "$T/var"
conf() { write_conf kiosk.content="$ROOT/screens" "$@"; }
conf
fill 2
status_line() { "$BUILD/kiosk" status --config "$T/kiosk.conf" 2>/dev/null | sed -n 's/^sync: //p'; }
sync_field() {
	"$BUILD/kiosk" status --json --config "$T/kiosk.conf" 2>/dev/null |
		$PY -c 'import json,sys; v = json.load(sys.stdin)["sync"][sys.argv[1]]; print("" if v is None else v)' "$1"
}

# No server configured.
conf server=
line=$(status_line)
case $line in "not configured"*) ;; *) fail "no server: kiosk status says '$line'" ;; esac
[ "$(sync_field state)" = "not configured" ] || fail "no server: --json state $(sync_field state)"
staff_queue "$T/off.txt"
grep -q "^ *Sync: *not configured" "$T/off.txt" || { cat "$T/off.txt"; fail "no server: the staff screen does not say 'not configured'"; }

# Configured, kiosk-sync never ran.
conf
[ "$(sync_field state)" = "not started" ] || fail "before any try: state $(sync_field state)"

# The server is down (nothing listens on $PORT): a few attempts.
sync_once
[ "$RC" -eq 3 ] || fail "server down: exit $RC"
first=$(sync_field failing_since)
[ -n "$first" ] && [ "$first" = "$(sync_field last_attempt)" ] || fail "failing_since '$first' is not the first attempt"
for i in 1 2; do
	sleep 1.2
	sync_once
	[ "$RC" -eq 3 ] || fail "server down, try $i: exit $RC"
done
[ "$(sync_field state)" = "failing" ] || fail "server down: state $(sync_field state)"
[ "$(sync_field last_result)" = "retry" ] || fail "server down: last_result $(sync_field last_result)"
[ "$(sync_field failing_since)" = "$first" ] || fail "failing_since moved: $first -> $(sync_field failing_since)"
[ "$(sync_field last_attempt)" -gt "$first" ] || fail "later attempts not recorded"
[ "$(sync_field next_try)" -ge "$(sync_field last_attempt)" ] || fail "no next try recorded"
sync_field detail | grep -qi "connect" || fail "the transport error is not recorded: $(sync_field detail)"
line=$(status_line)
case $line in "failing since "*"(next try "*"): "*) ;; *) fail "server down: kiosk status says '$line'" ;; esac
staff_queue "$T/down.txt"
grep -q "^ *Sync: *failing since .*(next try" "$T/down.txt" || { cat "$T/down.txt"; fail "server down: the staff screen does not say 'failing since'"; }

# The server is back.
server_start "$PORT"
sleep 1.2
sync_once
[ "$RC" -eq 0 ] || fail "server back: exit $RC"
assert_exactly_once 1  # and the Questionnaire the kiosk queued
line=$(status_line)
case $line in "ok, last delivery "*) ;; *) fail "server back: kiosk status says '$line'" ;; esac
[ -z "$(sync_field failing_since)" ] || fail "still failing after a delivery"

# The credentials are refused: paused.
fill 1 3
echo "x$TOKEN" >"$T/token"
sync_once
[ "$RC" -eq 5 ] || fail "wrong token: exit $RC"
[ "$(status_line)" = "paused: server refused the credentials (401)" ] || fail "401: kiosk status says '$(status_line)'"
[ "$(sync_field state)" = "paused" ] || fail "401: state $(sync_field state)"
[ "$(sync_field last_result)" = "auth" ] || fail "401: last_result $(sync_field last_result)"
staff_queue "$T/paused.txt"
grep -q "^ *Sync: *paused: server refused the credentials (401)" "$T/paused.txt" || { cat "$T/paused.txt"; fail "401: the staff screen does not say 'paused'"; }

# Nothing of the patients in the recorded state.
sqlite3 "file:$T/var/kiosk.db?mode=ro" "SELECT * FROM sync_state" | grep -q "Test Person" &&
	fail "patient data in the sync state"
echo "ok"
