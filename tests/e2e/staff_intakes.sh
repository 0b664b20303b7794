# Staff see today's intakes: time, the patient's name and date of birth (so
# they can match the person in the lobby), the outcome, and for each flag its
# code and the staff message; the queue status; looking is audited; and when
# staff leave, nothing of the list stays on the screen.
. tests/e2e/lib.sh

e2e_conf
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
e2e_start k xterm-256color C.UTF-8
TYPE=4 WHO="Ana Lopez" DOB=1979-02-11 walk k
step k F10 "A clinician will look at your answers"
step k Enter "Caring for your skin"
step k Enter "Welcome to"
PREG=1 WHO="Maria Test" DOB=1990-09-30 walk k
step k F10 "Please speak with the front desk"
step k Enter "Welcome to"
lacks k "Maria Test"

step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
step k 2 "Today's intakes"
for s in "Ana Lopez" "1979-02-11" "review" "SKIN-TYPE-DARKER: Self-reported Fitzpatrick type IV-VI" \
	"Maria Test" "1990-09-30" "defer" "PREGNANT: Pregnant (contraindications #1)" "waiting"; do
	shows k "$s"
done
# Newest first: Maria Test (defer) above Ana Lopez (review).
screen k | grep -n -e "Maria Test" -e "Ana Lopez" | head -1 | grep -q "Maria Test" ||
	fail "intakes are not newest first"
# The staff message is wrapped whole, not cut at the screen edge.
shows k "after delivery."
shows k "sun advice."
step k Escape "Staff menu - maria (staff)"
lacks k "Maria Test"
step k 3 "Queue status"
shows k "Waiting to be sent:   2"
shows k "Failed (need retry):  0"
step k Escape "Staff menu - maria (staff)"
step k 4 "0 failed records queued to be sent again."
step k Escape "Welcome to"
t capture-pane -p -S -500 -t k >"$E2E_TMP/k.scroll"
for s in "Ana Lopez" "1979-02-11" "Maria Test" "1990-09-30" "SKIN-TYPE" "PREGNANT"; do
	! grep -qF -- "$s" "$E2E_TMP/k.scroll" || fail "'$s' left on the screen after staff mode"
done
[ "$(sql "select count(*) from audit where actor = 'maria' and action = 'staff viewed intakes'")" = 1 ] ||
	fail "viewing intakes not audited"
[ "$(sql "select count(*) from audit where detail like '%Maria Test%' or detail like '%Ana Lopez%'")" = 0 ] ||
	fail "a patient name is in the audit log"
echo "ok: today's intakes with flags and staff messages, queue status, screen cleared"
