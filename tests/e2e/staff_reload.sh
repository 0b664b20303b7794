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

# Reload asked for during a session, then an interrupted session resumed
# in its place: the resumed patient goes on with the wording she started
# with (her session is not deleted for a new version), and the reload
# waits for her.
step k Enter "Which language"
step k 1 "Your name"
typ k "Patient Gamma"; step k Enter "Date of birth"
typ k "1972-08-14"; step k Enter "Phone number"
gamma=$(sql "select id from sessions where state = 'in_progress'")
kill -9 "$(pgrep -P "$(t list-panes -t k -F '#{pane_pid}')" | head -1)"
wait_for k "kiosk-exit=137"
e2e_start k2 xterm-256color C.UTF-8
wait_for k2 "Welcome (v4) to"
step k2 Enter "Which language"
step k2 1 "Your name"
sed -i 's/"Welcome (v4) to {clinic}"/"Welcome (v5) to {clinic}"/' "$E2E_TMP/c/010-welcome.yaml"
step k2 F12 "Staff sign-in"
typ k2 maria; key k2 Enter; typ k2 482913
step k2 Enter "Staff menu - maria (staff)"
key k2 6
wait_for k2 "after this patient"
step k2 2 "1  started "
step k2 Enter "Resume the session started"
step k2 y "A patient's session is open on the screen"
step k2 y "Phone number"
[ "$(sql "select state from sessions where id = '$gamma'")" = in_progress ] ||
	fail "the resumed session: $(sql 'select id, state from sessions')"
step k2 F12 "Staff sign-in"
typ k2 maria; key k2 Enter; typ k2 482913
step k2 Enter "Staff menu - maria (staff)"
step k2 1 "Wipe the current patient's answers?"
step k2 y "Welcome (v5) to"
echo "ok: reload waits for the patient on her outcome, at once with nobody there, at a reset, after a resumed patient"
