# The database file disappears while the kiosk runs (deleted, or its
# encrypted volume unmounted).  Between patients the kiosk notices and shows
# the "sorry" screen, with the reason in its log; a patient who finishes
# meanwhile is never told "You are all set" for a record written nowhere:
# the finished intake stays in memory and goes into the database that is at
# the path once there is one again.  The kiosk never creates a database.
. tests/e2e/lib.sh

DONE=5 e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"

# Between patients: moved away (as an unmount would), then back.
mv "$DB" "$DB.away"
wait_for k "Sorry, this screen is not working" 20
grep -q "database file was deleted, or its volume unmounted" "$E2E_TMP/k.err" ||
	fail "the log does not say why: $(cat "$E2E_TMP/k.err")"
[ ! -e "$DB" ] || fail "the kiosk created a database"
mv "$DB.away" "$DB"
wait_for k "Welcome to" 20

# During an intake: the file goes before the patient confirms.
WHO="Evangeline Thistlewood" walk k
rm -f "$DB" "$DB-wal" "$DB-shm"
key k F10
wait_for k "Sorry, this screen is not working" 20
lacks k "You are all set"
lacks k "Evangeline"
! grep -q "Thistlewood" "$E2E_TMP/k.err" || fail "patient data in the log"
[ ! -e "$DB" ] || fail "the kiosk created a database"

# A database is put back (here a new one): the finished intake goes into it.
"$KIOSK" init --config "$CONF" >/dev/null || fail "kiosk init"
wait_for k "Welcome to" 20
[ "$(sql "select count(*) from outbox where state = 'waiting'")" = 1 ] || fail "the finished intake was not written"
[ "$(sql "select patient_name from sessions where state = 'completed'")" = "Evangeline Thistlewood" ] ||
	fail "the record's receipt is missing"
echo "ok: database deleted while running: sorry screen, reason logged, intake kept and written later"
