# `kiosk backup FILE` while the kiosk runs and records keep arriving: the
# copy is written with the online backup API, is private (0600), passes its
# integrity check and `kiosk status --verify-audit`, holds the finished
# intakes, and the backup is in the live audit log.  The kiosk is not
# disturbed.  A failed backup never replaces an earlier good one.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
WHO="Cornelius Abernathy" walk k
step k F10 "You are all set"
step k Enter "Caring for your skin"
step k Enter "Welcome to"
step k Enter "Which language"
step k 1 "Your name"

# Records arrive during the backup (simulate writes the same way).
for i in 1 2 3 4 5; do
	"$KIOSK" simulate --record --test-into-live-db --config "$CONF" "$ROOT/tests/content/all-clear.yaml" >/dev/null 2>&1 &
done
mkdir -p "$E2E_TMP/backups"
"$KIOSK" backup --config "$CONF" "$E2E_TMP/backups/kiosk.db" >"$E2E_TMP/backup.out" 2>&1 ||
	fail "backup failed: $(cat "$E2E_TMP/backup.out")"
wait
B=$E2E_TMP/backups/kiosk.db
[ "$(stat -c %a "$B")" = 600 ] || fail "the copy is mode $(stat -c %a "$B"), not 600"
[ "$(ls "$E2E_TMP/backups")" = kiosk.db ] || fail "left-over files: $(ls "$E2E_TMP/backups")"
[ "$(sqlite3 "$B" "PRAGMA quick_check")" = ok ] || fail "the copy is not consistent"
[ "$(sqlite3 "$B" "select count(*) from sessions where patient_name = 'Cornelius Abernathy' and state = 'completed'")" = 1 ] ||
	fail "the finished intake is not in the copy"
printf '[kiosk]\ndatabase = %s\n' "$B" >"$E2E_TMP/backup.conf"
"$KIOSK" status --verify-audit --config "$E2E_TMP/backup.conf" 2>/dev/null | grep -q '^audit log: intact$' ||
	fail "status --verify-audit on the copy"
[ "$(sql "select count(*) from audit where action = 'database backup' and detail = '$B'")" = 1 ] ||
	fail "the backup is not audited"

# The kiosk goes on: the patient's answers still save.
typ k "Rhiannon"; step k Enter "Date of birth"
lacks k "Sorry"

# A failed backup (no such folder) leaves the earlier one alone.
before=$(sha256sum <"$B")
"$KIOSK" backup --config "$CONF" "$E2E_TMP/nowhere/kiosk.db" >/dev/null 2>&1 && fail "backup into a missing folder succeeded"
[ "$(sha256sum <"$B")" = "$before" ] || fail "the earlier backup changed"

# Backing up onto the database itself (or a file SQLite keeps beside it)
# is refused: the copy would replace the live file under the kiosk.
ino=$(stat -c %i "$DB")
for dest in "$DB" "$(dirname "$DB")/../$(basename "$(dirname "$DB")")/$(basename "$DB")" "$DB-wal"; do
	rc=0
	"$KIOSK" backup --config "$CONF" "$dest" >"$E2E_TMP/self.out" 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "backup onto $dest: exit $rc"
	grep -q "is the database itself" "$E2E_TMP/self.out" || fail "backup onto $dest: $(cat "$E2E_TMP/self.out")"
done
[ "$(stat -c %i "$DB")" = "$ino" ] || fail "the database file was replaced"
# The patient's next answer lands in the database at its path.
typ k "1990-02-03"; step k Enter "Phone number"
[ "$(sql "select count(*) from answers a join sessions s on s.id = a.session
	   where s.state = 'in_progress' and a.qid = 'dob'")" = 1 ] ||
	fail "the answer did not reach the database: $(sql "select state from sessions")"
echo "ok: backup while the kiosk runs: 0600, consistent, audit intact, audited; never onto the database"
