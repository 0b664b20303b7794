#!/bin/bash
# The patient's screen never waits for the clinic's server.  The kiosk-sync
# daemon runs against a test FHIR server (real TLS) that takes every request
# and never answers; meanwhile two patients complete their intakes at the
# kiosk in tmux, every screen answered at once.  Their records are queued,
# not lost and not sent; once the server is back, both arrive exactly once.
. tests/tools/sync_lib.sh
sync_setup
eval "$(declare -f wait_for | sed '1s/wait_for/sync_wait_for/')"
. tests/e2e/lib.sh
trap 'e2e_cleanup; sync_cleanup' EXIT
# Both helper files have a wait_for: a command to retry (sync) or a tmux
# session and a text (screen).
eval "$(declare -f wait_for | sed '1s/wait_for/e2e_wait_for/')"
wait_for() {
	if command -v "$1" >/dev/null 2>&1; then sync_wait_for "$@"; else e2e_wait_for "$@"; fi
}
sync_fail() {
	for f in "$T"/daemon.log "$T"/server.log; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
	done
	fail "$@"
}

responses() { # QuestionnaireResponses the server holds, and their writes
	dump | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [v["writes"] for k, v in d.get("resources", {}).items() if k.startswith("QuestionnaireResponse/")]
print(len(r), max(r) if r else 0)' 2>/dev/null
}

PORT=$(free_port)
server_start "$PORT" --faults "hang*60"
write_conf timeout=600 connect_timeout=5 kiosk.content="$ROOT/screens" \
	kiosk.published="$T/var/content" kiosk.pepper_file="$T/var/pepper"
CONF=$T/kiosk.conf
DB=$T/var/kiosk.db
"$BUILD/kiosk" check --config "$CONF" >/dev/null || sync_fail "bad test config"

daemon_start
for n in p1 p2; do
	e2e_start "$n" xterm-256color C.UTF-8
	walk "$n"
	step "$n" F10 "You are all set"
	step "$n" Enter "Caring for your skin"
	step "$n" Enter "Welcome to"
	e2e_stop "$n"
done

[ "$(sql "select count(*) from outbox")" = 2 ] || sync_fail "expected 2 queued records"
[ "$(responses)" = "0 0" ] || sync_fail "the hanging server stored records: $(responses)"
kill -0 "$DAEMON_PID" || sync_fail "kiosk-sync died while the server hung"
# ... and the daemon really was stuck on a request the server held open.
dump | grep -q '"hang"' || sync_fail "kiosk-sync sent nothing to the hanging server"

# The server comes back on the same address: the daemon delivers both.
server_stop
server_start "$PORT"
i=0
until [ "$(responses)" = "2 1" ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && sync_fail "records not delivered after the server came back: $(responses)"
	sleep 0.2
done
daemon_stop
echo "ok: two patients finished while the server hung; both records delivered once"
