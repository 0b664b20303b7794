#!/bin/bash
# Crash test of the store: complete intakes through the real code path
# (`kiosk simulate --record`, the same effects the patient screen performs)
# while killing the process with SIGKILL at random moments, three processes
# at a time on the same database, a few hundred times.  Afterwards:
#   - sqlite3's integrity_check is ok and the audit chain is intact;
#   - every intake a process reported complete is in the outbox exactly once;
#   - no half-written record: every completed session has exactly one outbox
#     entry with a whole bundle of its own, every outbox entry belongs to a
#     completed session, and each holds all the answers a clean run stores.
# Then the same with the real patient screen in tmux (see below).
# Each half stays under a minute (it stops early rather than run long).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$root/build}
kiosk=$BUILD/kiosk
answers=$root/tests/content/all-clear.yaml
work=$(mktemp -d /tmp/crash-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=$work/var/kiosk.db
conf=$work/kiosk.conf
printf '[kiosk]\ndatabase = %s\ncontent = %s/screens\n' "$db" "$root" >"$conf"
"$kiosk" init --config "$conf" >/dev/null || { echo "FAIL: kiosk init"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }

[ -x "$kiosk" ] || fail "no $kiosk (build first)"

ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Clean runs: how many answers a completed intake holds, how long a run
# takes on this machine now, and how much of that is loading the content
# before the first write (a run without --record), so that the kills land
# in the part that writes, however loaded the machine is.
dur=100000; base=100000
for i in 1 2 3; do
	t0=$(ms)
	"$kiosk" simulate --config "$conf" "$answers" >/dev/null || fail "dry run failed"
	t1=$(ms)
	id=$("$kiosk" simulate --record --test-into-live-db --config "$conf" "$answers") || fail "clean run failed"
	t2=$(ms)
	[ $((t1 - t0)) -lt "$base" ] && base=$((t1 - t0))
	[ $((t2 - t1)) -lt "$dur" ] && dur=$((t2 - t1))
done
want_answers=$(q "SELECT count(*) FROM answers WHERE session = '$id'")
[ "$want_answers" -gt 0 ] || fail "clean run stored no answers"
echo "clean run: $want_answers answers per intake, about $dur ms ($base ms before the first write)"

rounds=120
kills=0; finished=0
start_at=$((base / 2))
win=$((dur * 2 - start_at))
[ "$win" -lt 20 ] && win=20
start=$(date +%s)
for ((r = 0; r < rounds; r++)); do
	[ $(( $(date +%s) - start )) -ge 40 ] && break
	pids=()
	for p in 1 2 3; do
		"$kiosk" simulate --record --test-into-live-db --config "$conf" "$answers" >"$work/out.$r.$p" 2>"$work/err.$r.$p" &
		pids+=($!)
	done
	# A random moment within a run, or just after it.  The window follows
	# the machine's load so that about half the runs are cut short.
	d=$((start_at + RANDOM % (win + 1)))
	sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
	kill -KILL "${pids[@]}" 2>/dev/null
	round_done=0
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
		rc=$?
		[ "$rc" -eq 0 ] && round_done=$((round_done + 1))
		# 137: killed.  0: finished before the kill.  Anything else is a
		# failure of the code under test (e.g. a busy database).
		if [ "$rc" -eq 0 ]; then
			finished=$((finished + 1))
		elif [ "$rc" -eq 137 ]; then
			kills=$((kills + 1))
		else
			cat "$work"/err.$r.* >&2
			fail "a run exited $rc"
		fi
	done
	if [ "$round_done" -ge 2 ]; then win=$((win * 4 / 5 + 1)); else win=$((win * 5 / 4 + 1)); fi
done
echo "rounds: $r, processes killed: $kills, finished: $finished"

cat "$work"/out.* | sort >"$work/reported"
sort -u "$work/reported" >"$work/reported.u"
cmp -s "$work/reported" "$work/reported.u" || fail "an id was reported twice"
n_rep=$(wc -l <"$work/reported")
grep -Evq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$work/reported" &&
	fail "a reported line is not a session id"

[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check: $(q 'PRAGMA integrity_check')"
[ "$(q 'PRAGMA foreign_key_check' | wc -l)" -eq 0 ] || fail "foreign key check failed"

# Every reported intake is in the outbox exactly once.
while read -r sid; do
	n=$(q "SELECT count(*) FROM outbox WHERE id = '$sid'")
	[ "$n" = 1 ] || fail "reported intake $sid is in the outbox $n times"
done <"$work/reported"

# No half-written record.
[ "$(q "SELECT count(*) FROM sessions s WHERE s.state = 'completed'
	AND (SELECT count(*) FROM outbox o WHERE o.id = s.id) <> 1")" = 0 ] ||
	fail "a completed session without exactly one outbox entry"
[ "$(q "SELECT count(*) FROM outbox o LEFT JOIN sessions s ON s.id = o.id
	WHERE s.state IS NOT 'completed'")" = 0 ] || fail "an outbox entry without a completed session"
[ "$(q "SELECT count(*) FROM outbox WHERE bundle IS NULL OR NOT json_valid(bundle)
	OR json_extract(bundle, '$.resourceType') IS NOT 'Bundle' OR instr(bundle, id) = 0")" = 0 ] ||
	fail "an outbox entry with a broken or foreign bundle"
[ "$(q "SELECT count(*) FROM sessions s WHERE s.state = 'completed' AND (s.outcome IS NULL
	OR s.completed IS NULL OR (SELECT count(*) FROM answers a WHERE a.session = s.id) <> $want_answers)")" = 0 ] ||
	fail "a completed session with missing answers or outcome"

n_out=$(q "SELECT count(*) FROM outbox")
n_open=$(q "SELECT count(*) FROM sessions WHERE state <> 'completed'")
echo "reported complete: $n_rep, in the outbox: $n_out, left unfinished by a kill: $n_open"
[ "$n_out" -ge "$n_rep" ] || fail "fewer outbox entries than reported intakes"
# The test only means something if kills landed both before and after commits.
[ "$n_rep" -ge 10 ] || fail "too few intakes completed to judge ($n_rep)"
[ "$n_open" -ge 10 ] || fail "too few kills landed mid-intake to judge ($n_open)"

# ---- the real patient screen, killed mid-intake ----
# The kiosk itself in tmux (the e2e helpers, in a subshell with their own
# database): a patient walks through the intake at full speed and the
# kiosk gets SIGKILL at a random moment, then starts again.  An intake
# whose "You are all set" was on the screen before the kill must be in the
# outbox; a new start leaves no session "in progress"; every record is
# whole.
ui_crash() (
	. "$root/tests/e2e/lib.sh"
	ms() { echo $(( $(date +%s%N) / 1000000 )); }
	patient() { WHO="Ingrid Solveig Haraldsen" walk "$1"; step "$1" F10 "You are all set"
		step "$1" Enter "Caring for your skin"; }
	e2e_conf
	# How long a whole intake takes on this machine now.
	e2e_start c0 xterm-256color C.UTF-8
	wait_for c0 "Welcome to"
	t0=$(ms); patient c0; dur=$(( $(ms) - t0 ))
	e2e_stop c0
	rounds=0; done_n=0; mid=0
	: >"$E2E_TMP/reported"
	start=$(date +%s)
	while [ $rounds -lt 30 ] && [ $(( $(date +%s) - start )) -lt 45 ]; do
		n=u$rounds
		last=$(sql "SELECT coalesce(max(rowid), 0) FROM sessions")
		e2e_start "$n" xterm-256color C.UTF-8
		wait_for "$n" "Welcome to"
		patient "$n" >/dev/null 2>&1 &
		walker=$!
		d=$((RANDOM % (dur * 6 / 5 + 1)))
		sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
		shown=$(screen "$n")
		pid=$(kiosk_pid "$n") || fail "the kiosk is not running"
		kill -KILL "$pid"
		kill "$walker" 2>/dev/null; wait "$walker" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null; do
			i=$((i + 1)); [ $i -gt 200 ] && fail "the kiosk outlived SIGKILL"
			sleep 0.05
		done
		sid=$(sql "SELECT id FROM sessions WHERE rowid > $last ORDER BY rowid DESC LIMIT 1")
		if echo "$shown" | grep -qF -e "You are all set" -e "Caring for your skin"; then
			[ -n "$sid" ] || fail "an intake the patient saw finished has no session"
			echo "$sid" >>"$E2E_TMP/reported"
			done_n=$((done_n + 1))
		elif [ -n "$sid" ]; then
			mid=$((mid + 1))
		fi
		t kill-session -t "$n" 2>/dev/null || true
		rounds=$((rounds + 1))
	done
	echo "patient screen: $rounds kills, $done_n after \"You are all set\", $mid mid-intake"
	[ "$done_n" -ge 1 ] && [ "$mid" -ge 3 ] || fail "too few kills landed to judge the patient screen"
	while read -r sid; do
		[ "$(sql "SELECT count(*) FROM outbox o JOIN sessions s ON s.id = o.id
			WHERE o.id = '$sid' AND s.state = 'completed'")" = 1 ] ||
			fail "an intake the patient saw finished was lost ($sid)"
	done <"$E2E_TMP/reported"
	# A new start marks whatever a kill left in progress interrupted.
	# The welcome screen is drawn before the store opens: poll.
	e2e_start final xterm-256color C.UTF-8
	wait_for final "Welcome to"
	i=0
	while [ "$(sql "SELECT count(*) FROM sessions WHERE state = 'in_progress'")" != 0 ]; do
		i=$((i + 1)); [ $i -gt $((E2E_TIMEOUT * 20)) ] && fail "sessions left in progress after a restart"
		sleep 0.05
	done
	e2e_stop final
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the screen kills"
	[ "$(sql "SELECT count(*) FROM sessions s WHERE s.state = 'completed'
		AND (SELECT count(*) FROM outbox o WHERE o.id = s.id) <> 1")" = 0 ] ||
		fail "a completed session without exactly one outbox entry (screen kills)"
	[ "$(sql "SELECT count(*) FROM outbox WHERE bundle IS NULL OR NOT json_valid(bundle)
		OR instr(bundle, id) = 0")" = 0 ] || fail "a broken bundle after the screen kills"
	"$KIOSK" status --verify-audit --config "$CONF" 2>/dev/null | grep -q '^audit log: intact$' ||
		fail "audit log not intact after the screen kills"
)
export BUILD
ui_crash || fail "the patient screen lost or broke an intake (above)"

# The database still works, and the audit chain survived every kill.
"$kiosk" simulate --record --test-into-live-db --config "$conf" "$answers" >/dev/null || fail "database unusable after the kills"
"$kiosk" status --verify-audit --config "$conf" >"$work/status" 2>&1 || { cat "$work/status"; fail "status / audit"; }
grep -q '^audit log: intact$' "$work/status" || fail "audit log not intact"
echo "ok"
