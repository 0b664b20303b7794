# An abandoned session: after kiosk.idle_seconds the "Are you still there?"
# screen counts down; a key brings the patient back to where they were; if
# nobody answers, the session is wiped (nothing left in the database) and
# the welcome screen returns.  The aftercare returns to the welcome after
# kiosk.done_seconds.
. tests/e2e/lib.sh

IDLE=5 IDLE_WARN=4 DONE=5 e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Idle Person"; step k Enter "Date of birth"
typ k "1970"
[ "$(sql "select count(*) from answers")" = 2 ] || fail "answers not saved as given"
wait_for k "Are you still there?" 12
shows k "they will be cleared in"
lacks k "Idle Person"
key k x
wait_for k "Date of birth"
shows k "[1970 "                 # the key only woke the screen
wait_for k "Are you still there?" 12
wait_for k "Welcome to" 10
lacks k "Idle Person"
lacks k "1970"
[ "$(sql "select count(*) from sessions")" = 0 ] || fail "the wiped session is still in the database"
[ "$(sql "select count(*) from answers")" = 0 ] || fail "answers of the wiped session are still in the database"
sql "select action from audit" | grep -q "session.wipe" || fail "the wipe was not audited"

# A finished patient who walks away from the aftercare.
walk k
step k F10 "You are all set"
step k Enter "Caring for your skin"
wait_for k "Welcome to" 12
lacks k "Zoë"
[ "$(sql "select count(*) from sessions where state = 'completed'")" = 1 ] || fail "the record was not kept"
echo "ok: idle warning, resume, wipe; aftercare times out"
