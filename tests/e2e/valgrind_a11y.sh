# Read aloud and larger text under valgrind: the synthesiser's thread, the
# sink, the spoken texts, a key cutting speech, spelling on request and a
# refused answer, then SIGTERM while speech is on.  No invalid read or
# write, no use of uninitialised memory, no definite leak (valgrind would
# exit 99); the kiosk ends with 143 as after any SIGTERM.
. tests/e2e/lib.sh

e2e_conf "[speech]" "sink = $E2E_TMP/spoken" "[display]" "large_text_pty = true"
# Under valgrind keys sent faster than the kiosk reads them replace speech
# not yet begun: each text is heard before the next key (60 s: valgrind).
VG="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=$E2E_TMP/vg.log"
e2e_start v xterm-256color C.UTF-8 80 24 "$VG $KIOSK --config $CONF"
wait_for v "Welcome to" 60
key v F5
heard "$E2E_TMP/spoken" "Welcome to" 60
key v F4
step v Enter "Which language"
key v Down
key v Up
step v 1 "Your name"
typ v "Ana Ruiz"
key v F6
heard "$E2E_TMP/spoken" "A n a" 60
step v Enter "Date of birth"
typ v "1/2"
step v Enter "! "
# Wait until the refused answer was handed to the synthesiser.
shown=$(screen v | sed -n 's/^ *! //p' | head -1)
[ -n "$shown" ] || fail "no error on the screen"
heard "$E2E_TMP/spoken" "say	en	$shown" 60
pid=$(pgrep -P "$(t list-panes -t v -F '#{pane_pid}')") || fail "kiosk not running"
kill -TERM "$pid"
wait_for v "kiosk-exit=" 60
[ -e "$E2E_TMP/vg.log" ] || fail "valgrind did not run"
if ! screen v | grep -q "kiosk-exit=143"; then
	cat "$E2E_TMP/vg.log" >&2
	fail "valgrind found errors"
fi
[ "$(grep -c '^say	' "$E2E_TMP/spoken")" -ge 5 ] || fail "read aloud said too little: $(cat "$E2E_TMP/spoken")"
echo "ok: read aloud and larger text are clean under valgrind"
