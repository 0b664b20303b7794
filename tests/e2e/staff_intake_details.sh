#!/bin/bash
# The staff list of today's intakes tells staff what they need at the desk:
# columns padded and cut by display width (an accented long name neither
# shifts the columns nor is cut inside a letter, and a cut shows "…"); the
# patient's language; defer flags before review flags; the date a patient
# gave beside the flag it raised; what a "not sure" was about.  The menu
# footer says that a digit acts at once, and "Reload content" during a
# session says it will load after this patient.
. tests/e2e/lib.sh

e2e_conf
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null 2>&1 || fail "staff add"
stop=$(date -d '-2 months' +%Y-%m-%d)
cat >"$E2E_TMP/jose.yaml" <<YAML
language: es
full_name: "José Ñúñez-Øster Castañeda Villalobos"
dob: 1979-02-11
phone: "(561) 555-0100"
area: [face]
pregnancy: [none]
skin_today: [none]
skin_history: [none]
skin_type: type4
health: [none]
medicines: [isotretinoin]
isotretinoin_status: stopped
isotretinoin_stop_known: known
isotretinoin_stop: $stop
procedures: [none]
skincare: [none]
allergies: [unsure]
consent: "José Ñúñez-Øster Castañeda Villalobos"
YAML
sed -e 's/^language: es/language: en/' -e 's/José Ñúñez-Øster Castañeda Villalobos/Ana Lopez/' \
	-e 's/skin_type: type4/skin_type: type2/' -e 's/medicines: \[isotretinoin\]/medicines: [none]/' \
	-e '/^isotretinoin_/d' -e 's/allergies: \[unsure\]/allergies: [none]/' "$E2E_TMP/jose.yaml" >"$E2E_TMP/ana.yaml"
"$KIOSK" simulate --record --test-into-live-db --lang es --config "$CONF" "$ROOT/screens" "$E2E_TMP/jose.yaml" >/dev/null ||
	fail "recording José's intake"
"$KIOSK" simulate --record --test-into-live-db --config "$CONF" "$ROOT/screens" "$E2E_TMP/ana.yaml" >/dev/null || fail "recording Ana's intake"

e2e_start k xterm-256color C.UTF-8 100 40
wait_for k "Welcome to"
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
shows k "1-6: do it   Up/Down, then Enter: do it   Esc: sign out"
step k 2 "Today's intakes"
screen k >"$E2E_TMP/list"
# The name column is 26 columns wide whatever the letters: the dates of
# birth line up, and the long name ends in "…" at a letter boundary.
grep -q "José Ñúñez-Øster Castañed… 1979-02-11" "$E2E_TMP/list" || fail "long accented name not cut by width"
python3 - "$E2E_TMP/list" <<'PY' || fail "date of birth columns differ"
import sys
cols = set()
for line in open(sys.argv[1], encoding="utf-8"):
    for d in ("1979-02-11",):
        if d in line and ("José" in line or "Ana Lopez" in line):
            cols.add(line.index(d))
sys.exit(0 if len(cols) == 1 else 1)
PY
shows k "es Español"
shows k "en English"
# Defer first, with the date the patient gave; then review; then the
# "not sure" with the items it was about.
defer=$(grep -n "DEFER  ISOTRETINOIN-RECENT" "$E2E_TMP/list" | cut -d: -f1)
review=$(grep -n "REVIEW SKIN-TYPE-DARKER" "$E2E_TMP/list" | cut -d: -f1)
[ -n "$defer" ] && [ -n "$review" ] && [ "$defer" -lt "$review" ] || fail "defer flag not before review ($defer, $review)"
tr -d '\n' <"$E2E_TMP/list" | tr -s ' ' | grep -qE "patient gave: [^:]+: $stop" ||
	fail "the isotretinoin stop date is not shown"
tr -d '\n' <"$E2E_TMP/list" | tr -s ' ' | grep -q 'REVIEW UNSURE-allergies: Patient answered "not sure" to: Allergies - question: "Are you allergic to any of these?' ||
	fail "not-sure flag does not name its question"
tr -d '\n' <"$E2E_TMP/list" | tr -s ' ' | grep -q "items: Numbing cream or shots" || fail "not-sure flag does not list the items"
step k Escape "Staff menu - maria (staff)"
step k Escape "Welcome to"

# Reload during a session: staff are told, and the menu stays.
step k Enter "Which language"
step k 1 "Your name"
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
step k 6 "The content will load after this patient"
shows k "Staff menu - maria (staff)"
step k Escape "Your name"
echo "ok: widths, language, defer first, dates given, not-sure items, footer, reload note"
