# Every byte: random bytes typed into the pty for a bounded time
# (FUZZ_SECONDS, 20 by default; raise it for a long run).  The kiosk keeps
# running, the open session survives with its answers, and the screen still
# answers keys afterwards.  Esc and Tab are left out of the stream so that
# chance cannot legitimately leave or finish the intake; everything else,
# invalid UTF-8, C1 controls and Ctrl chords included, goes in.
. tests/e2e/lib.sh

FEED="$E2E_TMP/feed"
mkfifo "$FEED"
e2e_conf
e2e_start k xterm-256color C.UTF-8 80 24 /usr/bin/python3 "$ROOT/tests/tools/ptyfeed.py" "$FEED" "$KIOSK" --config "$CONF"
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Fuzz Person"; step k Enter "Date of birth"
id=$(sql "select id from sessions where state = 'in_progress'")
[ -n "$id" ] || fail "no session in progress"
end=$((SECONDS + ${FUZZ_SECONDS:-20}))
n=0
while [ $SECONDS -lt $end ]; do
	# A writer blocks when nobody reads: the kiosk (and its pty) is gone.
	timeout 5 sh -c 'head -c 48 /dev/urandom | tr -d "\033\011" >"$1"' sh "$FEED" ||
		fail "the kiosk stopped reading its terminal"
	n=$((n + 1))
	sleep 0.01
done
sleep 1
lacks k "kiosk-exit"
[ "$(sql "select state from sessions where id = '$id'")" = in_progress ] ||
	fail "the session did not survive: $(sql 'select id, state from sessions')"
[ "$(sql "select value from answers where session = '$id' and qid = 'full_name'")" != "" ] ||
	fail "the name answer was lost"
! grep -q "terminal went away" "$E2E_TMP/k.err" || fail "random bytes were taken for end of input"
# Still alive: F2 switches the language and back.
lang=$(screen k | sed -n 2p)
key k F2
sleep 0.5
[ "$(screen k | sed -n 2p)" != "$lang" ] || fail "the screen no longer answers keys"
echo "ok: $n bursts of random bytes, the kiosk and the session survive"
