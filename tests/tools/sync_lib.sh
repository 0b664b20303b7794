# Shared setup for tests/it/sync_*.sh (sourced, bash).  Each test gets its
# own temporary folder, test PKI, kiosk database and FHIR server on a free
# 127.0.0.1 port; everything it started is stopped on exit.
#
#   sync_setup                 temp dir $T, PKI in $PKI, fill_outbox built
#   free_port                  print a free TCP port on 127.0.0.1
#   server_start PORT [ARGS]   start tests/tools/fhir_server.js (cert: $SERVER_CERT)
#   server_stop                stop it (writes $T/dump.json)
#   write_conf [KEY=VAL...]    $T/kiosk.conf pointing at $PORT, token auth
#   fill N [FIRST]             queue N intakes; their ids go to $T/ids
#   dump                       what the server holds (JSON on stdout)
#   fhir_get PATH              GET [base]/PATH from the server (a read or search)
#   fhir_total PATH            the "total" of the search PATH
#   sync_once                  kiosk-sync --once; exit status in $RC, log in $T/sync.log
#   daemon_start / daemon_stop the kiosk-sync daemon (log $T/daemon.log)
#   wait_for CMD...            retry CMD every 0.2 s for up to $WAIT s (default 30)
#   assert_exactly_once [E [W]] every id in $T/ids on the server exactly once
#   fail MSG                   print and exit 1
#   staff_queue FILE           the staff screen's "Queue status" of the real
#                              kiosk (tmux, 80x24) into FILE (needs
#                              kiosk.content in the conf)
set -eu
: "${BUILD:?BUILD must name the folder with the binaries}"
PY=/usr/bin/python3
ROOT=$(pwd)
SERVER_PID=""
DAEMON_PID=""
SERVER_CERT=server

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/sync.log "$T"/daemon.log "$T"/server.log; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
	done
	exit 1
}

sync_cleanup() {
	[ -n "${TMUX_SOCK:-}" ] && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

sync_setup() {
	T=$(mktemp -d /tmp/kiosk-sync-test.XXXXXX)
	trap sync_cleanup EXIT
	PKI=$T/pki
	sh "$ROOT/tests/tools/mkcerts.sh" "$PKI"
	# The server is Medplum's FHIR engine (tests/tools/fhir_server.js).
	sh "$ROOT/tests/tools/fhir-deps.sh" >/dev/null || fail "cannot install the FHIR definitions"
	# A sanitized build's library needs the sanitizer runtime too.
	local san=""
	nm "$BUILD/libkiosk.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
	# shellcheck disable=SC2046,SC2086
	cc -std=c11 -D_DEFAULT_SOURCE $san -I"$ROOT/kiosk" -o "$T/fill_outbox" \
		"$ROOT/tests/tools/fill_outbox.c" "$BUILD/libkiosk.a" \
		$(pkg-config --libs sqlite3 libsodium) || fail "cannot build fill_outbox"
	TOKEN=test-token-$$
	printf '%s\n' "$TOKEN" >"$T/token"
	chmod 600 "$T/token"
}

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_start() {
	local port=$1
	shift
	rm -f "$T/ready"
	node "$ROOT/tests/tools/fhir_server.js" --port "$port" --cert "$PKI/$SERVER_CERT.pem" \
		--key "$PKI/$SERVER_CERT.key" --token "$TOKEN" --dump "$T/dump.json" \
		--ready "$T/ready" "$@" >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	WAIT=30 wait_for test -s "$T/ready" || fail "the FHIR server did not start"
}

server_stop() {
	[ -n "$SERVER_PID" ] || return 0
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

write_conf() { # KEY=VALUE... set [sync] keys; SECTION.KEY=VALUE for others
	local -A v=([sync.server]="https://127.0.0.1:$PORT/fhir" [sync.ca_file]="$PKI/ca.pem"
		[sync.token_file]="$T/token" [sync.connect_timeout]=5 [sync.timeout]=20
		[sync.backoff_max]=2 [kiosk.database]="$T/var/kiosk.db")
	local kv k sec
	for kv in "$@"; do
		k=${kv%%=*}
		[[ $k == *.* ]] || k=sync.$k
		v[$k]=${kv#*=}
	done
	for sec in kiosk sync; do
		echo "[$sec]"
		for k in "${!v[@]}"; do
			if [[ $k == "$sec".* ]]; then echo "${k#*.} = ${v[$k]}"; fi
		done
	done >"$T/kiosk.conf"
	# Only `kiosk init` creates a database (once: a test may go on to write
	# a kiosk.conf that is wrong on purpose).
	[ -e "${v[kiosk.database]}" ] ||
		"$BUILD/kiosk" init --config "$T/kiosk.conf" >/dev/null || fail "kiosk init failed"
}

fill() {
	"$T/fill_outbox" "$T/var/kiosk.db" "$@" >>"$T/ids" || fail "fill_outbox failed"
}

dump() { # from the running server, else what the stopped one wrote
	if [ -n "$SERVER_PID" ]; then
		curl -sf --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
			"https://127.0.0.1:$PORT/_dump"
	else
		cat "$T/dump.json"
	fi
}

fhir_get() {
	curl -sf --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
		-H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$PORT/fhir/$1"
}

fhir_total() {
	fhir_get "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}

sync_once() {
	RC=0
	"$BUILD/kiosk-sync" --once --config "$T/kiosk.conf" "$@" >>"$T/sync.log" 2>&1 || RC=$?
}

daemon_start() {
	"$BUILD/kiosk-sync" --config "$T/kiosk.conf" >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
}

daemon_stop() {
	local rc=0
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=""
	[ "$rc" -eq 0 ] || fail "kiosk-sync exited $rc after SIGTERM"
}

wait_for() {
	local n=$(( ${WAIT:-30} * 5 ))
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# The server holds every queued record's Patient and QuestionnaireResponse
# exactly once, nothing else (but $1 more resources), and each was written
# at most $2 times (default 1: never sent twice; a resend after a lost answer
# writes the same resource again, which PUT makes harmless).
assert_exactly_once() {
	dump >"$T/now.json" || fail "cannot read the server's dump"
	$PY - "$T/now.json" "$T/ids" "${1:-0}" "${2:-1}" <<-'EOF' || fail "server content is wrong"
	import json, sys
	held = json.load(open(sys.argv[1]))["resources"]
	ids = [l.split() for l in open(sys.argv[2]) if l.strip()]
	extra = int(sys.argv[3])
	maxw = int(sys.argv[4])
	bad = []
	for pid, qid in ids:
	    for t, i in (("Patient", pid), ("QuestionnaireResponse", qid)):
	        r = held.get("%s/%s" % (t, i))
	        if r is None:
	            bad.append("%s/%s missing" % (t, i))
	        elif r["writes"] > maxw:
	            bad.append("%s/%s written %d times" % (t, i, r["writes"]))
	if len(held) != 2 * len(ids) + extra:
	    bad.append("server holds %d resources, expected %d" % (len(held), 2 * len(ids) + extra))
	if bad:
	    print("\n".join(bad[:20]), file=sys.stderr)
	    sys.exit(1)
	EOF
}

# How many of the queued records the server holds (QuestionnaireResponses).
held_count() {
	dump | $PY -c 'import json,sys; print(sum(1 for k in json.load(sys.stdin)["resources"] if k.startswith("QuestionnaireResponse/")))'
}

all_held() {
	[ "$(held_count)" -eq "$(wc -l <"$T/ids")" ]
}

# A field of `kiosk status --json` (waiting, failed, delivered, sync_paused,
# failures): what staff see.  Lists and objects come out as JSON.
store_stat() {
	"$BUILD/kiosk" status --json --config "$T/kiosk.conf" 2>/dev/null |
		$PY -c 'import json,sys; v = json.load(sys.stdin)[sys.argv[1]]; print(v if isinstance(v, (int, str)) else json.dumps(v))' "$1"
}

# A field of the server's dump, e.g. server_stat connections.
server_stat() {
	dump | $PY -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# The real kiosk in a private tmux server: sign in as staff (created on the
# first call), open "Queue status", write the screen into $1, leave staff
# mode and stop the kiosk.
staff_queue() {
	local out=$1 i
	TMUX_SOCK=kiosk-sync-test-$$
	if [ ! -e "$T/staff.added" ]; then
		echo 482913 | "$BUILD/kiosk" staff add maria --role staff --config "$T/kiosk.conf" \
			>/dev/null 2>>"$T/kiosk.err" || fail "cannot add a staff account"
		: >"$T/staff.added"
	fi
	tmux -L "$TMUX_SOCK" new-session -d -x 80 -y 24 -s k \
		"env -u LANGUAGE TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $BUILD/kiosk --config $T/kiosk.conf 2>>$T/kiosk.err; sleep 600"
	tscreen() { tmux -L "$TMUX_SOCK" capture-pane -p -t k; }
	twait() {
		WAIT=20 wait_for sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t k | grep -qF -- '$1'" ||
			{ tscreen >&2; fail "'$1' never appeared on the kiosk screen"; }
	}
	twait "Welcome to"
	tmux -L "$TMUX_SOCK" send-keys -t k F12
	twait "Staff sign-in"
	tmux -L "$TMUX_SOCK" send-keys -t k -l maria
	tmux -L "$TMUX_SOCK" send-keys -t k Enter
	tmux -L "$TMUX_SOCK" send-keys -t k -l 482913
	tmux -L "$TMUX_SOCK" send-keys -t k Enter
	twait "Staff menu - maria"
	tmux -L "$TMUX_SOCK" send-keys -t k 3
	twait "Queue status"
	tscreen >"$out"
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	TMUX_SOCK=""
}
