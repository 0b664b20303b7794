# A pregnant patient: the kiosk kindly sends her to the front desk with the
# clinic's phone and the outcome's neutral text only (no reason, never the staff
# wording), no aftercare, and the record says defer / PREGNANT.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
PREG=1 WHO="Maria Test" walk k
shows k "Pregnancy and nursing: I am pregnant"
step k F10 "Please speak with the front desk"
shows k "(561) 272-6000"
lacks k "This treatment needs to wait for now."   # patient lines show only where patient_visible
lacks k "pregnan"                 # the lobby is public: no condition named
lacks k "contraindications"      # from the staff message
lacks k "Defer until"
lacks k "Question"               # no progress once complete
# The language can still be switched to read the outcome; the stored
# record is not touched by it.
step k F2 "Por favor, hable con la recepción"
shows k "(561) 272-6000"
step k F2 "Please speak with the front desk"
# Answers are frozen: Esc does not go back to the questions.
key k Escape
sleep 0.3
shows k "Please speak with the front desk"
# No aftercare for a deferred patient: the next screen is the welcome.
step k Enter "Welcome to"
lacks k "Maria Test"
[ "$(sql "select outcome || ':' || flags from sessions")" = "defer:PREGNANT" ] ||
	fail "stored: $(sql 'select outcome, flags from sessions')"
echo "ok: defer patient"
