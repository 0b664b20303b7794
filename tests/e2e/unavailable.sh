# A database the kiosk cannot use (here: a corrupt file) shows the patient a
# calm "please see the front desk" screen, with the detail on stderr only;
# once the file is replaced by a good one the kiosk comes back by itself.
. tests/e2e/lib.sh

DONE=5 e2e_conf
mkdir -p "$(dirname "$DB")"
head -c 8192 /dev/urandom >"$DB"
e2e_start k xterm-256color C.UTF-8
wait_for k "Sorry, this screen is not working right now. Please see the front desk."
key k Enter 1                       # keys do nothing here
sleep 0.3
shows k "Please see the front desk"
grep -q "database" "$E2E_TMP/k.err" || fail "no detail on stderr"
# A replacement database (never one the kiosk makes by itself).
rm -f "$DB"
"$KIOSK" init --config "$CONF" >/dev/null || fail "kiosk init"
wait_for k "Welcome to" 15
step k Enter "Which language"
step k 1 "Your name"
[ "$(sql "select count(*) from sessions")" = 1 ] || fail "the session did not start after recovery"
echo "ok: database unavailable, then recovered"
