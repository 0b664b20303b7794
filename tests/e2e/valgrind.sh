# One full session under valgrind: no invalid reads or writes, no use of
# uninitialised memory, no definite leaks (ncurses keeps memory reachable
# on purpose; that is not counted).
. tests/e2e/lib.sh

E2E_TIMEOUT=60
e2e_conf
VG="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=$E2E_TMP/vg.log"
e2e_start k xterm-256color C.UTF-8 80 24 "$VG $KIOSK --config $CONF"
walk k
step k F10 "You are all set"
step k Enter "Caring for your skin"
key k PageDown
key k PageUp
step k Enter "Welcome to"
pid=$(pgrep -P "$(t list-panes -t k -F '#{pane_pid}')") || fail "kiosk not running"
kill -TERM "$pid"
wait_for k "kiosk-exit="
[ -e "$E2E_TMP/vg.log" ] || fail "valgrind did not run"
# SIGTERM ends the kiosk with 128+15 (so systemd restarts it); valgrind
# would exit 99 on an error.
if ! screen k | grep -q "kiosk-exit=143"; then
	cat "$E2E_TMP/vg.log" >&2
	fail "valgrind found errors"
fi
echo "ok: a full session is clean under valgrind"
