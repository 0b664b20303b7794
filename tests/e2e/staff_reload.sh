# Staff reload content while a patient reads her outcome: the staff screen
# says it loads after this patient, and it does: her outcome and aftercare
# stay as they were, the next patient gets the new wording.  With nobody at
# the kiosk the reload is at once; a reset in the same visit is the end of
# the session.
. tests/e2e/lib.sh

e2e_conf
cp -R "$ROOT/screens" "$E2E_TMP/c"
sed -i "s|^content = .*|content = $E2E_TMP/c|" "$CONF"
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
# reload N: sign in and choose item N, "Reload content" (the menu offers
# "Reset the current session" first while a session is open).
reload() {
	step k F12 "Staff sign-in"
	typ k maria; key k Enter; typ k 482913
	step k Enter "Staff menu - maria (staff)"
	shows k "$1  Reload content"
	key k "$1"
}

e2e_start k xterm-256color C.UTF-8
walk k
step k F10 "You are all set"
sed -i 's/"Welcome to {clinic}"/"Welcome (v2) to {clinic}"/' "$E2E_TMP/c/010-welcome.yaml"
reload 6
wait_for k "after this patient"
step k Escape "You are all set"
lacks k "Welcome"
step k Enter "Caring for your skin"
step k Enter "Welcome (v2) to"

# Nobody at the kiosk: at once.
sed -i 's/"Welcome (v2) to {clinic}"/"Welcome (v3) to {clinic}"/' "$E2E_TMP/c/010-welcome.yaml"
reload 5
wait_for k "Welcome (v3) to"

# Reload asked for during a session, then the session reset in the same
# visit: the reset ends the session, so the reload happens then.
step k Enter "Which language"
step k 1 "Your name"
typ k "Patient Beta"; step k Enter "Date of birth"
sed -i 's/"Welcome (v3) to {clinic}"/"Welcome (v4) to {clinic}"/' "$E2E_TMP/c/010-welcome.yaml"
reload 6
wait_for k "after this patient"
step k 1 "Wipe the current patient's answers?"
step k y "Welcome (v4) to"
echo "ok: reload waits for the patient on her outcome, at once with nobody there, at a reset"
