# Publishing content while the kiosk runs: the patient already answering
# keeps the wording she started with, the next patient gets the new one; an
# invalid version is refused with file:line:col messages and the kiosk keeps
# running the old one; a rollback reaches the next patient too.  Every
# record names the content version it was taken with.
. tests/e2e/lib.sh

e2e_conf
cp -R "$ROOT/screens" "$E2E_TMP/v1"
cp -R "$E2E_TMP/v1" "$E2E_TMP/v2"
sed -i 's/"Date of birth"/"Your birthday (v2)"/' "$E2E_TMP/v2/040-dob.yaml"
cp -R "$E2E_TMP/v2" "$E2E_TMP/bad"
sed -i 's/^kind: date/kind: calendar/' "$E2E_TMP/bad/040-dob.yaml"
ver() { "$KIOSK" check "$1" 2>/dev/null | grep -o 'sha256:[0-9a-f]\{64\}' | head -1; }
V1=$(ver "$E2E_TMP/v1"); V2=$(ver "$E2E_TMP/v2")
[ -n "$V1" ] && [ -n "$V2" ] && [ "$V1" != "$V2" ] || fail "versions: '$V1' '$V2'"
publish() { "$KIOSK" publish --config "$CONF" "$@" >"$E2E_TMP/publish.out" 2>&1; }

publish "$E2E_TMP/v1" || fail "v1: $(cat "$E2E_TMP/publish.out")"
e2e_start k xterm-256color C.UTF-8

# Patient A starts on v1 ...
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Patient Alpha"; step k Enter "Date of birth"
# ... v2 is published while she answers ...
publish "$E2E_TMP/v2" || fail "v2: $(cat "$E2E_TMP/publish.out")"
grep -q "before the next patient" "$E2E_TMP/publish.out" || fail "publish output: $(cat "$E2E_TMP/publish.out")"
# ... and she finishes on v1: going back shows the old wording still.
typ k "1985-07-24"; step k Enter "Phone number"
step k Escape "Date of birth"
lacks k "(v2)"
step k Enter "Phone number"
typ k "(561) 555-0123"; step k Enter "Treatment area"
step k Space Enter "Pregnancy and nursing"
step k 4 Enter "Your skin today"
step k 9 Space Enter "Your skin in the past"
step k 7 Enter "Your skin and the sun"
step k 2 "Your health"
step k 7 Enter "Medicines"
step k 6 Enter "Past treatments"
step k 7 Enter "Skin care products"
step k 3 Enter "Allergies"
step k 4 Enter "Your signature"
typ k "Patient Alpha"; step k Enter "Check your answers"
shows k "Date of birth"
step k F10 "You are all set"
step k Enter "Caring for your skin"
step k Enter "Welcome to"
[ "$(sql "select content_version from sessions where state = 'completed'")" = "$V1" ] ||
	fail "patient A's record: $(sql 'select content_version from sessions')"

# Patient B is the next patient: v2.
step k Enter "Which language"
step k 1 "Your name"
typ k "Patient Beta"; step k Enter "Your birthday (v2)"
[ "$(sql "select content_version from sessions where state = 'in_progress'")" = "$V2" ] ||
	fail "patient B's session: $(sql 'select state, content_version from sessions')"

# An invalid version is refused and changes nothing for anyone.
rc=0
publish "$E2E_TMP/bad" || rc=$?
[ $rc -eq 1 ] || fail "invalid content: exit $rc"
grep -Eq "/bad/040-dob\.yaml:[0-9]+:[0-9]+: error: " "$E2E_TMP/publish.out" ||
	fail "no file:line:col error: $(cat "$E2E_TMP/publish.out")"
typ k "1990-01-02"; step k Enter "Phone number"
step k Escape "Your birthday (v2)"
# Staff reset B; the next patient still gets v2 (the invalid one never loads).
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
shows k "Content in use:"
shows k "$V2"
step k Enter "Wipe the current patient's answers?"
step k y "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Patient Gamma"; step k Enter "Your birthday (v2)"

# Rollback: Gamma keeps v2; the patient after her is back on v1.
publish --rollback || fail "rollback: $(cat "$E2E_TMP/publish.out")"
typ k "1970-05-06"; step k Enter "Phone number"
step k Escape "Your birthday (v2)"
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
step k Enter "Wipe the current patient's answers?"
step k y "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Patient Delta"; step k Enter "Date of birth"
lacks k "(v2)"
[ "$(sql "select content_version from sessions where state = 'in_progress'")" = "$V1" ] ||
	fail "patient D's session: $(sql 'select state, content_version from sessions')"
echo "ok: publish between sessions, invalid refused while running, rollback"
