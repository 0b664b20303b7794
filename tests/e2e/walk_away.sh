# Nothing of one patient reaches the next: a patient turns on high
# contrast, switches to Spanish, starts, then walks away; after the idle
# wipe the next patient sees the welcome screen in English, in the normal
# theme, with no answer kept.  The same after "Start over?" (Esc on the
# welcome screen's way back) and after a finished intake.
. tests/e2e/lib.sh

header_is() { # NAME SGR: the header row uses this background
	local i=0
	until t capture-pane -e -p -t "$1" | head -1 | grep -q $'\e\\['"$2"'m'; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "header of $1 never had colour $2"; sleep 0.05
	done
}

IDLE=5 IDLE_WARN=3 e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
header_is k 44
step k F3 F2 "Bienvenido/a a"
header_is k 43
step k Enter "En qué idioma"
step k Enter "Su nombre"
typ k "Walk Away"
wait_for k "[Walk Away"
# Walk away: the warning, then the wipe.
wait_for k "¿Sigue ahí?" 20
wait_for k "Welcome to" 20
header_is k 44
lacks k "Walk Away"
lacks k "Bienvenido"
[ "$(sql "select count(*) from sessions")" = 0 ] || fail "the session was kept: $(sql 'select id, state from sessions')"

# High contrast alone on the welcome screen, then nobody: back to normal.
step k F3 "Welcome to"
header_is k 43
sleep 7
header_is k 44

# Start over: back to the welcome screen with answers asks, and wipes.
step k F3 Enter "Which language"
header_is k 43
step k 1 "Your name"
typ k "Next Patient"; step k Enter "Date of birth"
step k Escape "Your name"
step k Escape "Which language"
step k Escape "Start over? Your answers will be erased."
step k n "Which language"                             # No: nothing lost
[ "$(sql "select count(*) from answers where qid = 'full_name'")" = 1 ] || fail "No erased the answers"
step k Escape "Start over?"
step k y "Welcome to"
header_is k 44
[ "$(sql "select count(*) from sessions")" = 0 ] || fail "start over kept the session"
step k Enter "Which language"
step k 1 "Your name"
lacks k "Next Patient"
echo "ok: every per-patient setting is reset"
