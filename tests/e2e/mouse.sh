# Touch or mouse: a patient can tap the buttons, the answers and the
# switches for high contrast and language (xterm mouse reports, as a touch
# screen sends them).
. tests/e2e/lib.sh

# tap NAME TEXT: press and release the mouse on the first cell of TEXT.
tap() {
	local n=$1 text=$2 row col
	row=$(screen "$n" | grep -nF -- "$text" | head -1 | cut -d: -f1)
	[ -n "$row" ] || fail "'$text' is not on the screen to tap"
	col=$(screen "$n" | sed -n "${row}p" | awk -v s="$text" '{ print index($0, s) }')
	t send-keys -t "$n" -l $'\e'"[<0;$((col + 1));${row}M"$'\e'"[<0;$((col + 1));${row}m"
}

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
# High contrast from the first screen: the header turns black on yellow.
t capture-pane -e -p -t k | head -1 | grep -q $'\e\\[44m' || fail "normal theme header is not blue"
tap k "F3 High contrast"
i=0
until t capture-pane -e -p -t k | head -1 | grep -q $'\e\\[43m'; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "high contrast did not switch on"; sleep 0.05
done
tap k "[ Continue ]"
wait_for k "Which language"
tap k "Español (Spanish)"
wait_for k "Su nombre"
tap k "[ Atrás ]"
wait_for k "En qué idioma"
tap k "F2 Idioma / Language"
wait_for k "Which language"
tap k "English"
wait_for k "Your name"
typ k "Tap Person"
tap k "[ Continue ]"
wait_for k "Date of birth"
typ k "1990-01-01"; step k Enter "Phone number"
typ k "561 555 0100"; step k Enter "Treatment area"
tap k "Neck"                      # multiple choice: a tap marks...
wait_for k "[x] Neck"
tap k "Chest"
wait_for k "[x] Chest"
tap k "Neck"                      # ...and a second tap unmarks
wait_for k "[ ] Neck"
tap k "[ Continue ]"
wait_for k "Pregnancy and nursing"
[ "$(sql "select value from answers where qid = 'area'")" = "chest" ] || fail "area: $(sql "select value from answers where qid = 'area'")"
echo "ok: mouse and touch"
