# An interrupted session can be resumed by staff for kiosk.resume_minutes;
# after that it is deleted by the running kiosk, not only at its next start
# (a kiosk runs for months).  The session is made the real way (kill -9 in
# the middle of an intake); its age is then moved back in the database.
. tests/e2e/lib.sh

e2e_conf "resume_minutes = 30"
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Perpetua Lindqvist"; step k Enter "Date of birth"
pid=$(kiosk_pid k) || fail "no kiosk"
kill -9 "$pid"
wait_for k "kiosk-exit=137"
e2e_start k2 xterm-256color C.UTF-8
wait_for k2 "Welcome to"
[ "$(sql "select count(*) from sessions where state = 'interrupted'")" = 1 ] ||
	fail "no interrupted session after the restart: $(sql 'select state from sessions')"
# 31 minutes ago: past the window while this kiosk keeps running.
sql "update sessions set updated = updated - 31 * 60 where state = 'interrupted'"
i=0
while [ "$(sql "select count(*) from sessions")" != 0 ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && fail "the expired session is still in the database"
	sleep 0.1
done
[ "$(sql "select count(*) from answers")" = 0 ] || fail "its answers stayed"
[ "$(sql "select count(*) from audit where action = 'session.expire'")" = 1 ] || fail "expiry not audited"
shows k2 "Welcome to"
echo "ok: an interrupted session past resume_minutes is deleted by the running kiosk"
