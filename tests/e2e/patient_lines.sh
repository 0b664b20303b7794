# What a flagged patient reads under the outcome, in a public lobby: the
# outcome's own text, plus only the lines the content marks
# patient_visible (an instruction such as "keep taking your medicines"),
# once; no reason, no line that names a condition, a medicine or a
# diagnosis, in English and in Spanish.  The record still carries every
# flag for staff.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
PREG=1 PAST=5 TYPE=4 MEDS=2 WHO="Lee Lobby" walk k
step k F10 "Please speak with the front desk"
count() { screen k | grep -cF -- "$1" || true; }
[ "$(count "Please keep taking your prescribed medicines as your doctor told you.")" = 1 ] ||
	fail "the medicines instruction is not shown exactly once"
lacks k "A clinician will choose the best settings for your skin."   # a reason: for staff
lacks k "This treatment needs to wait for now."
for w in regnan "dark marks" arfarin "blood thinner" "your baby"; do lacks k "$w"; done
step k F2 "Por favor, hable con la recepción"
[ "$(count "Siga tomando sus medicinas recetadas como le indicó su médico.")" = 1 ] ||
	fail "the Spanish medicines instruction is not shown exactly once"
lacks k "Un profesional elegirá los mejores ajustes para su piel."
for w in mbaraz "manchas oscuras" arfarina anticoagulante; do lacks k "$w"; done
[ "$(sql "select outcome || ':' || flags from sessions")" = \
	"defer:PREGNANT,PIH-HISTORY,SKIN-TYPE-DARKER,ANTICOAGULANT" ] ||
	fail "stored: $(sql 'select outcome, flags from sessions')"
echo "ok: patient lines: instructions only, once, nothing named"
