# Time to answer (WCAG 2.2.1): the idle warning offers "I need more time",
# and taking it (any key) doubles the idle time for the rest of the visit;
# while read aloud is on the idle time is speech.idle_factor (2) times
# longer.  Neither carries over to the next patient.
. tests/e2e/lib.sh

IDLE=5 IDLE_WARN=3 e2e_conf "[speech]" "sink = $E2E_TMP/spoken"
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
wait_for k "Are you still there?" 15
shows k "I need more time"
key k Enter
wait_for k "Your name"
sleep 7                                  # past 5 s, not past 10 s
lacks k "Are you still there?"
wait_for k "Are you still there?" 15     # the doubled time does run out
wait_for k "Welcome to" 15               # nobody answered: wiped

# The next patient turns read aloud on: 10 s before the warning.
key k F5
step k Enter "Which language"
step k 1 "Your name"
sleep 7
lacks k "Are you still there?"
wait_for k "Are you still there?" 15
wait_for k "Welcome to" 15

# The one after: neither more time nor read aloud is left over.
step k Enter "Which language"
step k 1 "Your name"
start=$SECONDS
wait_for k "Are you still there?" 15
# 5 s again (a left-over factor would make it 10 s or more).
[ $((SECONDS - start)) -lt 9 ] || fail "the next patient waited $((SECONDS - start)) s for the warning"
grep -c '^say	' "$E2E_TMP/spoken" >/dev/null || fail "read aloud said nothing"
echo "ok: more time on request and while read aloud is on, for one patient only"
