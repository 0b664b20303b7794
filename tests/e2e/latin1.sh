# A Latin-1 terminal (not UTF-8) types "Muñoz Peña": every letter is kept
# (ñ arrives as the single byte F1), the screen shows it in ASCII, and the
# database holds it in UTF-8.  On a UTF-8 terminal the same stray bytes are
# skipped alone, without losing their neighbours or ending the kiosk.
. tests/e2e/lib.sh

# The kiosk runs behind tests/tools/ptyfeed.py so raw bytes reach it
# (tmux drops what is not UTF-8).
FEED="$E2E_TMP/feed"
mkfifo "$FEED"
start() { e2e_start "$1" "$2" "$3" 80 24 /usr/bin/python3 "$ROOT/tests/tools/ptyfeed.py" "$FEED" "$KIOSK" --config "$CONF"; }
# latin1 TEXT: type TEXT (UTF-8 here) as ISO 8859-1 bytes.
latin1() { printf '%s' "$1" | iconv -f UTF-8 -t ISO-8859-1 >"$FEED"; }

e2e_conf
start k xterm ISO-8859-1
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
latin1 "Muñoz Peña"
wait_for k "[Munoz Pena"
step k Enter "Date of birth"
[ "$(sql "select value from answers where qid = 'full_name'")" = "Muñoz Peña" ] ||
	fail "name stored as '$(sql "select value from answers where qid = 'full_name'")'"
# Stop this kiosk (one kiosk per database) but keep its pane: killing
# the last tmux session would take the tmux server down under the test.
py=$(pgrep -P "$(t list-panes -t k -F '#{pane_pid}')" -f ptyfeed) || fail "no ptyfeed"
kill -TERM "$(pgrep -P "$py" -x kiosk)" || fail "no kiosk"
wait_for k "kiosk-exit="

start u xterm-256color C.UTF-8
wait_for u "Welcome to"
step u Enter "Which language"
step u 1 "Your name"
latin1 "Muñoz Peña"
printf '\377\376\377!' >"$FEED"   # one channel: the bytes arrive in order
wait_for u "[Muoz Pea!"
lacks u "kiosk-exit"
echo "ok: Latin-1 terminal keeps every letter; stray bytes never end the kiosk"
