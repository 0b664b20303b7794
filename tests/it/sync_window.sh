#!/bin/bash
# Several records on their way at once (sync.in_flight) and still exactly
# once: the server sees more than one request in flight, over one HTTP/2
# connection or, from a server without HTTP/2, a few (at most 4) HTTP/1.1
# connections; a refusal, a 503 or refused credentials in the middle of a
# window acknowledge exactly the records whose own answer was good (and
# pause once); SIGTERM in the middle of a window loses and duplicates
# nothing; two intakes of one person never have their Patient searches in
# flight together.
. tests/tools/sync_lib.sh
sync_setup

# What the store says of each queued record against what the server
# holds: delivered exactly when the server holds its Patient and response,
# each written once.  Prints "delivered failed waiting".
store_vs_server() {
	dump >"$T/now.json" || fail "cannot read the server's dump"
	sqlite3 "$T/var/kiosk.db" "SELECT id, state FROM outbox" >"$T/states"
	$PY - "$T/now.json" "$T/ids" "$T/states" <<-'EOF' || fail "store and server disagree"
	import json, sys
	held = json.load(open(sys.argv[1]))["resources"]
	ids = dict(l.split() for l in open(sys.argv[2]) if l.strip())
	state = dict(l.strip().split("|") for l in open(sys.argv[3]) if l.strip())
	bad, n = [], {"delivered": 0, "failed": 0, "waiting": 0}
	for pid, qid in ids.items():
	    st = state.get(pid, "?")
	    n[st] = n.get(st, 0) + 1
	    on = [held.get(u) for u in ("Patient/" + pid, "QuestionnaireResponse/" + qid)]
	    if st == "delivered" and not all(on):
	        bad.append("%s acknowledged but not on the server" % pid)
	    if st != "delivered" and any(on):
	        bad.append("%s on the server but %s in the store" % (pid, st))
	    bad += ["%s written %d times" % (pid, r["writes"]) for r in on if r and r["writes"] != 1]
	if bad:
	    print("\n".join(bad[:20]), file=sys.stderr)
	    sys.exit(1)
	print(n["delivered"], n["failed"], n["waiting"])
	EOF
}

# ---- 1,000 records, 8 in flight, one HTTP/2 connection ----
PORT=$(free_port)
write_conf in_flight=8
mkdir -p "$T/var"
fill 1000
server_start "$PORT"
sync_once
[ "$RC" -eq 0 ] || fail "1000 records: exit $RC, expected 0"
assert_exactly_once
[ "$(fhir_total "QuestionnaireResponse?_summary=count")" -eq 1000 ] ||
	fail "a search does not find 1000 responses"
[ "$(store_stat delivered)" -eq 1000 ] || fail "the store does not show 1000 delivered"
[ "$(server_stat connections)" -eq 1 ] || fail "expected one connection, got $(server_stat connections)"
[ "$(server_stat h2_connections)" -eq 1 ] || fail "the connection did not speak HTTP/2"
max=$(server_stat max_in_flight)
[ "$max" -ge 2 ] && [ "$max" -le 8 ] || fail "expected 2..8 requests in flight at once, saw $max"
server_stop

# ---- a server without HTTP/2: a few HTTP/1.1 connections ----
rm -rf "$T/var" "$T/ids" "$T/sync.log"
PORT=$(free_port)
write_conf in_flight=8
fill 200
server_start "$PORT" --http1
sync_once
[ "$RC" -eq 0 ] || fail "HTTP/1.1: exit $RC, expected 0"
assert_exactly_once
[ "$(server_stat h2_connections)" -eq 0 ] || fail "--http1 server spoke HTTP/2"
conns=$(server_stat connections)
[ "$conns" -ge 2 ] && [ "$conns" -le 4 ] || fail "HTTP/1.1: expected 2..4 connections, got $conns"
[ "$(server_stat max_in_flight)" -ge 2 ] || fail "HTTP/1.1: one request at a time"
server_stop

# ---- a refusal and a 503 in the middle of a window ----
rm -rf "$T/var" "$T/ids" "$T/sync.log"
PORT=$(free_port)
write_conf in_flight=8 backoff_max=1
fill 100
server_start "$PORT" --faults "ok*20,400,ok*5,503"
sync_once
[ "$RC" -eq 4 ] || fail "refused + 503: exit $RC, expected 4 (a record refused)"
read -r delivered failed waiting < <(store_vs_server)
[ "$failed" -eq 1 ] || fail "expected the refused record kept as failed, got $failed"
# Every request sent before the 503 was answered well but the refused one
# (25), and those already in flight with it were judged as usual.
[ "$delivered" -ge 25 ] || fail "only $delivered delivered before the 503 (25 answered well)"
[ "$waiting" -ge 1 ] || fail "the record answered 503 is not waiting"
[ "$((delivered + failed + waiting))" -eq 100 ] || fail "records lost: $delivered/$failed/$waiting"
[ "$(server_stat max_in_flight)" -ge 2 ] || fail "one request at a time"
grep -q "HTTP 503; next try in" "$T/sync.log" || fail "the 503 is not logged"
sleep 1.5
sync_once
[ "$RC" -eq 0 ] || fail "after the 503: exit $RC, expected 0 (the refused one is not sent again)"
read -r delivered failed waiting < <(store_vs_server)
[ "$delivered" -eq 99 ] && [ "$failed" -eq 1 ] && [ "$waiting" -eq 0 ] ||
	fail "after the 503: $delivered delivered, $failed failed, $waiting waiting"
server_stop

# ---- credentials refused in the middle of a window ----
rm -rf "$T/var" "$T/ids" "$T/sync.log"
PORT=$(free_port)
write_conf in_flight=8
fill 60
server_start "$PORT" --faults "ok*10,401,401,401"
sync_once
[ "$RC" -eq 5 ] || fail "401: exit $RC, expected 5 (paused)"
read -r delivered failed waiting < <(store_vs_server)
[ "$delivered" -ge 10 ] || fail "401: only $delivered delivered (10 answered well)"
[ "$failed" -eq 0 ] && [ "$((delivered + waiting))" -eq 60 ] || fail "401: $delivered/$failed/$waiting"
[ "$(store_stat sync_paused)" = "server refused the credentials (401)" ] || fail "401: delivery not paused"
# Paused once, however many requests in flight were refused with it.
[ "$(sqlite3 "$T/var/kiosk.db" "SELECT count(*) FROM audit WHERE action = 'sync.paused'")" -eq 1 ] ||
	fail "401: paused more than once"
server_stop

# ---- SIGTERM while a window is on its way ----
rm -rf "$T/var" "$T/ids" "$T/daemon.log"
PORT=$(free_port)
write_conf in_flight=8
fill 400
# Slow answers after the first 50: the stop lands while some are in flight.
server_start "$PORT" --faults "ok*50,slow*40"
daemon_start
past_50() { [ "$(server_stat transactions)" -gt 55 ]; }
WAIT=60 wait_for past_50 || fail "the daemon did not start delivering"
daemon_stop
read -r delivered failed waiting < <(store_vs_server)
[ "$waiting" -gt 0 ] || fail "SIGTERM came too late to test anything ($delivered delivered)"
[ "$failed" -eq 0 ] || fail "records failed"
[ "$(server_stat max_in_flight)" -ge 2 ] || fail "one request at a time"
grep -q "stopped" "$T/daemon.log" || fail "the daemon did not stop cleanly"
sync_once
[ "$RC" -eq 0 ] || fail "after SIGTERM: exit $RC, expected 0"
# Nothing lost, and nothing sent twice: what was in flight at the stop was
# judged and acknowledged, not sent again.
assert_exactly_once 0 1
server_stop

# ---- match mode: one person's intakes one after the other ----
rm -rf "$T/var" "$T/ids" "$T/sync.log"
PORT=$(free_port)
write_conf in_flight=8 patient=match
: >"$T/ids"
fill 60 1 match
server_start "$PORT"
sync_once
[ "$RC" -eq 0 ] || fail "match mode: exit $RC, expected 0"
[ "$(fhir_total "QuestionnaireResponse?_summary=count")" -eq 60 ] || fail "not 60 responses on the server"
[ "$(fhir_total "Patient?_summary=count")" -eq 10 ] || fail "not one Patient per person (10)"
[ "$(server_stat max_in_flight)" -ge 2 ] || fail "match mode: one request at a time"
[ "$(server_stat max_same_match)" -eq 1 ] ||
	fail "two intakes of one person were matched at once ($(server_stat max_same_match))"
echo "ok"
