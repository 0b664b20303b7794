# A crash in the middle of an intake: after the restart the kiosk shows the
# welcome screen (not the patient's answers); staff sign in and resume the
# interrupted session, and the patient goes on where she was with her
# answers kept, in the same session.
. tests/e2e/lib.sh

e2e_conf
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Rosalind Pemberton"; step k Enter "Date of birth"
typ k "1972-08-14"; step k Enter "Phone number"
id=$(sql "select id from sessions where state = 'in_progress'")
[ -n "$id" ] || fail "no session in progress"
# Crash: SIGKILL, no chance to clean up.
pane=$(t list-panes -t k -F '#{pane_pid}')
pid=$(pgrep -P "$pane" | head -1)
[ -n "$pid" ] || fail "cannot find the kiosk process"
kill -9 "$pid"
wait_for k "kiosk-exit=137"

e2e_start k2 xterm-256color C.UTF-8
wait_for k2 "Welcome to"
lacks k2 "Rosalind"
[ "$(sql "select state from sessions where id = '$id'")" = interrupted ] ||
	fail "after the restart: $(sql 'select id, state from sessions')"
# kiosk status sends staff to the list they choose from.
"$KIOSK" status --config "$CONF" 2>/dev/null | grep -qF "sessions interrupted: 1 (staff choose one to resume on the staff screen)" ||
	fail "kiosk status: $("$KIOSK" status --config "$CONF" 2>&1)"
step k2 F12 "Staff sign-in"
typ k2 maria; key k2 Enter; typ k2 482913
step k2 Enter "Staff menu - maria (staff)"
shows k2 "1  Resume an interrupted session"
# The list: when it started and how far it got, nothing of the patient.
step k2 Enter "1  started "
shows k2 "3 answers, last answered: dob"
lacks k2 "Rosalind"
lacks k2 "1972"
step k2 Enter "Resume the session started"
step k2 y "Phone number"
lacks k2 "Staff menu"
[ "$(sql "select state from sessions where id = '$id'")" = in_progress ] ||
	fail "not resumed: $(sql 'select id, state from sessions')"
step k2 Escape "Date of birth"
shows k2 "1972-08-14"
[ "$(sql "select detail from audit where actor = 'maria' and action = 'staff resume session'")" = "$id" ] ||
	fail "resume not audited with the session id: $(sql "select action, detail from audit where actor = 'maria'")"

# A second patient's session is open: resuming another needs a second
# confirmation, and the open one is set aside (interrupted), not lost.
step k2 Enter "Phone number"
open_id=$id
kill -TERM "$(pgrep -P "$(t list-panes -t k2 -F '#{pane_pid}')" -x kiosk)" || fail "no kiosk in k2"
wait_for k2 "kiosk-exit="
e2e_start k3 xterm-256color C.UTF-8
wait_for k3 "Welcome to"
step k3 Enter "Which language"
step k3 1 "Your name"
typ k3 "Second Patient"; step k3 Enter "Date of birth"
second=$(sql "select id from sessions where state = 'in_progress'")
step k3 F12 "Staff sign-in"
typ k3 maria; key k3 Enter; typ k3 482913
step k3 Enter "Staff menu - maria (staff)"
step k3 2 "1  started "
step k3 Enter "Resume the session started"
step k3 y "A patient's session is open on the screen"
step k3 n "Staff menu"                   # no: nothing happens
[ "$(sql "select state from sessions where id = '$second'")" = in_progress ] || fail "replaced without confirmation"
step k3 2 "1  started "
step k3 Enter "Resume the session started"
step k3 y "A patient's session is open on the screen"
step k3 y "Phone number"
lacks k3 "Second Patient"
[ "$(sql "select state from sessions where id = '$second'")" = interrupted ] ||
	fail "the open session was not set aside: $(sql 'select id, state from sessions')"
[ "$(sql "select state from sessions where id = '$open_id'")" = in_progress ] || fail "not resumed"
echo "ok: staff resume an interrupted session after a crash"
