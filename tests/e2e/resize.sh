# Resizing the terminal mid-session loses nothing: not the answers given,
# not the text being typed.  Smaller than 80x24 shows the "enlarge"
# message; growing back carries on where the patient was.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Zoë Ñú"
wait_for k "[Zoë Ñú"
t resize-window -t k -x 120 -y 40
wait_for k "Question 2 of"
shows k "[Zoë Ñú"
t resize-window -t k -x 60 -y 20
wait_for k "Please make this window larger"
lacks k "Zoë"
typ k "x"                       # nothing typed while the screen cannot be seen
t resize-window -t k -x 80 -y 23
wait_for k "Please make this window larger"
t resize-window -t k -x 80 -y 24
wait_for k "[Zoë Ñú"
lacks k "Zoë Ñúx"
# The terminal cursor rests where the next letter goes (screen readers).
row=$(( $(screen k | grep -nF "[Zoë Ñú" | cut -d: -f1) - 1 ))
[ "$(t display -p -t k '#{cursor_y},#{cursor_x}')" = "$row,9" ] ||
	fail "cursor at $(t display -p -t k '#{cursor_y},#{cursor_x}'), expected $row,9"
typ k "ñez"; step k Enter "Date of birth"
step k Escape "[Zoë Ñúñez"
[ "$(sql "select value from answers where qid = 'full_name'")" = "Zoë Ñúñez" ] || fail "name not stored"
echo "ok: resize keeps everything; too small shows enlarge"
