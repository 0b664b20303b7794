# Staff reset a patient's session in the middle of the intake: after the
# confirmation the kiosk is back at the welcome screen, and nothing of that
# patient is left in the database (rows, nor bytes in the file or its WAL),
# on the screen or in the scrollback.  The reset is audited with the staff
# name.  Staff mode also closes by itself when left idle.
. tests/e2e/lib.sh

e2e_conf "staff_idle_seconds = 10"
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
WHO="Quintessa Marlowe-Vance"
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "$WHO"; step k Enter "Date of birth"
typ k "1961-03-17"; step k Enter "Phone number"
typ k "(561) 555-0199"
wait_for k "555-0199"
[ "$(sql "select count(*) from answers")" -ge 2 ] || fail "answers were not saved as given"

step k F12 "Staff sign-in"
lacks k "$WHO"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
shows k "1  Reset the current session"
shows k "2  Resume an interrupted session"   # offered, with a second confirmation
step k Enter "Wipe the current patient's answers?"
# Any key other than y keeps the session.
step k n "Staff menu - maria (staff)"
[ "$(sql "select count(*) from sessions")" = 1 ] || fail "declining the reset changed the session"
step k Enter "Wipe the current patient's answers?"
step k y "Welcome to"

[ "$(sql "select count(*) from sessions")" = 0 ] || fail "session left: $(sql 'select id, state from sessions')"
[ "$(sql "select count(*) from answers")" = 0 ] || fail "answers left: $(sql 'select qid from answers')"
[ "$(sql "select count(*) from outbox")" = 0 ] || fail "a reset session was queued"
[ "$(sql "select count(*) from audit where actor = 'maria' and action = 'staff reset session'")" = 1 ] ||
	fail "reset not audited: $(sql 'select actor, action, detail from audit')"
sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
for f in "$DB" "$DB-wal"; do
	[ -f "$f" ] || continue
	for secret in "Quintessa" "1961-03-17" "555-0199"; do
		! grep -aqF -- "$secret" "$f" || fail "'$secret' is still in $f"
	done
done
t capture-pane -p -S -500 -t k >"$E2E_TMP/k.scroll"
for secret in "Quintessa" "1961-03-17" "555-0199"; do
	! grep -qF -- "$secret" "$E2E_TMP/k.scroll" || fail "'$secret' left on the screen"
done

# Left alone, staff mode closes itself and clears the screen.
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
wait_for k "Welcome to" 30
lacks k "Staff menu"
[ "$(sql "select count(*) from audit where actor = 'maria' and detail = 'idle timeout'")" = 1 ] ||
	fail "idle close not audited: $(sql "select actor, action, detail from audit where actor = 'maria'")"
echo "ok: staff reset mid-intake leaves nothing; staff mode closes when idle"
