# One kiosk per database.  A second kiosk on the same database refuses to
# start (exit status 6, a message naming the database) and leaves the first
# one's patient alone: the session stays in progress with every typed
# answer, and the first kiosk carries on to the end.  `kiosk status`,
# `kiosk staff` and `kiosk publish` work beside the running kiosk.  A
# missing database is an error naming the path and `kiosk init` (exit 4),
# never a new empty database.
. tests/e2e/lib.sh

e2e_conf
e2e_start k1 xterm-256color C.UTF-8
wait_for k1 "Welcome to"
step k1 Enter "Which language"
step k1 1 "Your name"
typ k1 "Ottilie Brandvold"; step k1 Enter "Date of birth"
typ k1 "1979-03-02"; step k1 Enter "Phone number"

e2e_start k2 xterm-256color C.UTF-8
wait_for k2 "kiosk-exit=6"
grep -q "another kiosk is already running on $DB" "$E2E_TMP/k2.err" || fail "no clear message: $(cat "$E2E_TMP/k2.err")"
lacks k2 "Welcome to"

[ "$(sql "select state from sessions")" = in_progress ] || fail "the first kiosk's session was taken over: $(sql 'select state from sessions')"
[ "$(sql "select count(*) from answers")" -ge 2 ] || fail "typed answers lost"
"$KIOSK" status --config "$CONF" >"$E2E_TMP/status" 2>&1 || fail "status beside a running kiosk: $(cat "$E2E_TMP/status")"
printf '482913\n482913\n' | "$KIOSK" staff add maria --role staff --config "$CONF" >"$E2E_TMP/staff" 2>&1 ||
	fail "staff add beside a running kiosk: $(cat "$E2E_TMP/staff")"
"$KIOSK" publish --config "$CONF" "$ROOT/screens" >"$E2E_TMP/publish" 2>&1 ||
	fail "publish beside a running kiosk: $(cat "$E2E_TMP/publish")"

# The first kiosk's patient goes on as if nothing happened.
typ k1 "(561) 555-0144"; step k1 Enter "Treatment area"
lacks k1 "Sorry"
[ "$(sql "select count(*) from answers")" -ge 3 ] || fail "the first kiosk no longer saves answers"

# Once the first one has stopped, another may start.
e2e_stop k1
e2e_start k3 xterm-256color C.UTF-8
wait_for k3 "Welcome to"
e2e_stop k3

# No database: an error naming the path and what to do; nothing created.
rm -f "$DB" "$DB-wal" "$DB-shm"
e2e_start k4 xterm-256color C.UTF-8
wait_for k4 "kiosk-exit=4"
grep -q "no database at $DB" "$E2E_TMP/k4.err" && grep -q "kiosk init" "$E2E_TMP/k4.err" ||
	fail "missing database message: $(cat "$E2E_TMP/k4.err")"
[ ! -e "$DB" ] || fail "the kiosk created a database"
echo "ok: one kiosk per database; tools work beside it; no database is never created silently"
