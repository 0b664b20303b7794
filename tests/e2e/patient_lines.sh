# What a flagged patient reads under the outcome, in a public lobby: one
# line per meaning (darker skin type and a history of dark marks share
# one), and no line that names a condition, a medicine or a diagnosis, in
# English and in Spanish.  The record still carries every flag for staff.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
PREG=1 PAST=5 TYPE=4 MEDS=2 WHO="Lee Lobby" walk k
step k F10 "Please speak with the front desk"
count() { screen k | grep -cF -- "$1" || true; }
[ "$(count "A clinician will choose the best settings for your skin.")" = 1 ] ||
	fail "the skin settings line is not shown exactly once"
shows k "This treatment needs to wait for now."
shows k "Please keep taking your prescribed medicines as your doctor told you."
for w in regnan "dark marks" arfarin "blood thinner" "your baby"; do lacks k "$w"; done
step k F2 "Por favor, hable con la recepción"
[ "$(count "Un profesional elegirá los mejores ajustes para su piel.")" = 1 ] ||
	fail "the Spanish skin settings line is not shown exactly once"
for w in mbaraz "manchas oscuras" arfarina anticoagulante; do lacks k "$w"; done
[ "$(sql "select outcome || ':' || flags from sessions")" = \
	"defer:PREGNANT,PIH-HISTORY,SKIN-TYPE-DARKER,ANTICOAGULANT" ] ||
	fail "stored: $(sql 'select outcome, flags from sessions')"
echo "ok: patient lines, one per meaning, nothing named"
