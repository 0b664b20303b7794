# A vt100 has no F12: the staff key is configurable (a Ctrl chord works on
# every terminal), `kiosk check --config` warns when the configured key
# cannot be typed on the configured terminal, and the staff name and PIN
# never land in the patient's name field.
. tests/e2e/lib.sh

e2e_conf "staff_key = F12" "terminal = vt100"
out=$("$KIOSK" check --config "$CONF" 2>&1) || fail "check --config failed: $out"
echo "$out" | grep -q "staff_key = F12 cannot be typed on a vt100 terminal" || fail "no warning: $out"

e2e_conf "staff_key = Ctrl-K" "terminal = vt100"
out=$("$KIOSK" check --config "$CONF" 2>&1) || fail "check --config failed: $out"
! echo "$out" | grep -q "warning" || fail "a Ctrl chord was warned about: $out"
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
e2e_start k vt100 C
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Pat"
step k C-k "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
step k Escape "Your name"
shows k "[Pat "
lacks k "maria"
lacks k "482913"
echo "ok: staff key on a vt100"
