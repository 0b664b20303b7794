# The disk fills up in the middle of an intake (a real one: the database
# lies on a small tmpfs in a private mount namespace).  The patient sees
# the calm "sorry" screen; keys pressed there do not put off the retry;
# once space is freed the kiosk comes back by itself, and the half-finished
# session is not left "in progress" with the name in it: it is interrupted,
# so staff can resume it (or it expires after kiosk.resume_minutes).
if [ -z "${KIOSK_TEST_NS:-}" ]; then
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "SKIP: needs root to mount a small tmpfs in a private mount namespace"
		exit 0
	fi
	exec unshare -m --propagation private env KIOSK_TEST_NS=1 bash "$0" "$@"
fi
. tests/e2e/lib.sh

mkdir -p "$E2E_TMP/db"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$E2E_TMP/db" || fail "cannot mount a tmpfs"
trap 't kill-server 2>/dev/null || true; umount -l "$E2E_TMP/db" 2>/dev/null || true; e2e_cleanup' EXIT
DONE=5 e2e_conf
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Hildegard Okonkwo-Vance"; step k Enter "Date of birth"
id=$(sql "select id from sessions where state = 'in_progress'")
[ -n "$id" ] || fail "no session in progress"

# Fill the disk, then answer on until the kiosk cannot save.
dd if=/dev/zero of="$E2E_TMP/db/filler" bs=4k status=none 2>/dev/null || true
typ k "1961-11-05"; key k Enter
i=0
while ! screen k | grep -qF "Sorry, this screen is not working"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "a full disk did not show the sorry screen"
	if screen k | grep -qF "Phone number"; then typ k "(561) 555-0100"; key k Enter; fi
	if screen k | grep -qF "Treatment area"; then key k Space Enter; fi
	sleep 0.1
done
grep -q "disk is full" "$E2E_TMP/k.err" || fail "the log does not say the disk is full: $(cat "$E2E_TMP/k.err")"

# Space comes back while someone keeps pressing keys at the sorry screen:
# the retry still runs every DONE seconds.
rm -f "$E2E_TMP/db/filler"
i=0
while ! screen k | grep -qF "Welcome to"; do
	i=$((i + 1)); [ $i -gt 150 ] && fail "keys at the sorry screen kept the kiosk from coming back"
	key k x
	sleep 0.2
done
lacks k "Hildegard"
[ "$(sql "select state from sessions where id = '$id'")" = interrupted ] ||
	fail "the dropped session is '$(sql "select state from sessions where id = '$id'")', not interrupted"

# Staff resume it: the patient goes on with her answers.
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
shows k "1  Resume an interrupted session"
step k Enter "1  started "                # the list, then a confirmation
step k Enter "Resume the session started"
key k y
wait_gone k "Resume the session"
[ "$(sql "select state from sessions where id = '$id'")" = in_progress ] || fail "not resumed"
[ "$(sql "select count(*) from answers where session = '$id' and value = 'Hildegard Okonkwo-Vance'")" = 1 ] ||
	fail "the name answer was lost"
echo "ok: full disk mid-intake: sorry screen, retry despite keys, session kept for staff and resumed"
