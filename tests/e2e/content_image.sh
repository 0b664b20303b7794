# The kiosk starts from its compiled copy of the content (DATABASE.content)
# without loading the YAML parser, and never shows stale wording: an edited,
# added or removed screen file is read again at the next start, and a
# damaged or truncated copy is simply rebuilt.
. tests/e2e/lib.sh

cp -R "$ROOT/screens" "$E2E_TMP/screens"
e2e_conf
sed -i "s|^content = .*|content = $E2E_TMP/screens|" "$CONF"
IMG="$DB.content"

run() { # run NAME TEXT: start, wait for TEXT, note whether libfyaml is mapped, stop
	e2e_start "$1" xterm-256color C.UTF-8
	wait_for "$1" "$2"
	pid=$(kiosk_pid "$1") || fail "the kiosk is not running"
	if grep -q libfyaml "/proc/$pid/maps"; then yaml=1; else yaml=0; fi
	e2e_stop "$1"
}

run k1 "Welcome to"
[ $yaml = 1 ] || fail "the first start did not read the YAML"
[ -s "$IMG" ] || fail "no compiled content at $IMG"
run k2 "Welcome to"
[ $yaml = 0 ] || fail "an unchanged folder was parsed again (libfyaml loaded)"

# An administrator edits the welcome title (sed -i writes a new file).
sed -i 's/Welcome to/Hello from/' "$E2E_TMP/screens/010-welcome.yaml"
run k3 "Hello from"
[ $yaml = 1 ] || fail "the edited folder was not read again"
lacks k3 "Welcome to"
grep -aq "Hello from" "$IMG" || fail "the compiled copy was not rewritten"

# An edit in place (same file, same folder), e.g. from a text editor.
printf '\n# reviewed\n' >>"$E2E_TMP/screens/020-language.yaml"
run k4 "Hello from"
[ $yaml = 1 ] || fail "a file edited in place was not read again"

# A damaged copy (disk full while it was written, a bad sector).
size=$(stat -c %s "$IMG")
truncate -s $((size / 2)) "$IMG"
run k5 "Hello from"
[ "$(stat -c %s "$IMG")" = "$size" ] || fail "the truncated copy was not rebuilt"
printf 'XXXX' | dd of="$IMG" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
run k6 "Hello from"
[ $yaml = 1 ] || fail "a damaged copy was used"
! grep -qi "error\|warning" "$E2E_TMP/k5.err" "$E2E_TMP/k6.err" ||
	fail "a rebuilt copy was reported as a problem: $(cat "$E2E_TMP/k5.err" "$E2E_TMP/k6.err")"
run k7 "Hello from"
[ $yaml = 0 ] || fail "the rebuilt copy was not used"

# An edit that breaks the content, with a compiled copy still there: the
# kiosk refuses to go on, as it does without a copy, and says why.
printf 'no_such_key: 1\n' >>"$E2E_TMP/screens/020-language.yaml"
e2e_start k8 xterm-256color C.UTF-8
wait_for k8 "kiosk-exit=1"
grep -q "020-language.yaml.*no_such_key" "$E2E_TMP/k8.err" || fail "no message naming the broken file: $(cat "$E2E_TMP/k8.err")"
wait_for k8 "tty-sane"
echo "ok: the compiled content is used while the folder is unchanged, and rebuilt otherwise"
