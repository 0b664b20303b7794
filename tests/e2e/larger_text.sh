# Larger text (F4) on a test terminal: display.large_text_pty offers it on
# a pty, where the font cannot change, and the test resizes the pane to the
# larger-text grid (display.large_grid, 120x33) as the kernel does when the
# font changes on the console.  The whole bundled intake is completed at
# that size in English and in Spanish, QR code included, and the staff menu
# opens there; the switch shows it is on, and the next patient starts with
# it off.
. tests/e2e/lib.sh

e2e_conf "[display]" "large_text_pty = true"
e2e_start k xterm-256color C.UTF-8

# is_on LABEL: the header switch LABEL is drawn highlighted (reverse video).
is_on() { t capture-pane -e -p -t k | sed -n 2p | grep -q $'\e\\[[0-9;]*7[0-9;]*m'"$1"; }

large() {
	wait_for k "F4 $1"
	is_on "$1" && fail "larger text is on before the patient asked"
	key k F4
	t resize-window -t k -x 120 -y 33
	wait_for k "F4 $1"
	is_on "$1" || fail "the larger-text switch does not show it is on"
	[ "$(t display -p -t k '#{window_width}x#{window_height}')" = 120x33 ] || fail "pane not resized"
}

# English, at the large grid; the staff menu works there too.
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null 2>&1 || fail "staff add"
wait_for k "Welcome to"
large "Larger text"
step k F12 "Staff sign-in"
typ k maria; key k Enter
typ k 482913
step k Enter "Staff menu - maria (staff)"
shows k "Today's intakes"
step k Escape "Welcome to"
walk k
lacks k "Please make this window larger"
step k F10 "You are all set"
step k Enter "Caring for your skin"
got=$(qr_link k) || fail "no QR code could be read at the larger-text grid"
[ "$got" = "$LINK" ] || fail "QR code reads '$got', expected '$LINK'"
step k Enter "Welcome to"
# The session ended: larger text is off for the next patient (on the
# console the normal font comes back and with it the normal grid).
sleep 0.3
is_on "Larger text" && fail "larger text stayed on for the next patient"
t resize-window -t k -x 80 -y 24

# Spanish, at the large grid.
step k F2 "Bienvenido/a a"
large "Letra grande"
step k Enter "En qué idioma"
step k 2 "Su nombre"
typ k "José Ñúñez"; step k Enter "Fecha de nacimiento"
typ k "1980-03-15"; step k Enter "Número de teléfono"
typ k "561 555 0199"; step k Enter "Zona del tratamiento"
step k 1 Enter "Embarazo y lactancia"
step k 4 Enter "Su piel hoy"
step k 9 Space Enter "Su piel en el pasado"
step k 7 Enter "Su piel y el sol"
step k 2 "Su salud"
step k 7 Enter "Medicinas"
step k 6 Enter "Tratamientos anteriores"
step k 7 Enter "Productos para la piel"
step k 3 Enter "Alergias"
step k 4 Enter "Su firma"
typ k "José Ñúñez"; step k Enter "Revise sus respuestas"
shows k "Su nombre: José Ñúñez"
step k F10 "Todo está listo"
step k Enter "Cuidado de la piel"
got=$(qr_link k) || fail "no QR code could be read at the larger-text grid (Spanish)"
[ "$got" = "$LINK" ] || fail "QR code reads '$got', expected '$LINK'"
step k Enter "Welcome to"
sleep 0.3
is_on "Larger text" && fail "larger text stayed on after the Spanish patient"
[ "$(sql "select count(*) from sessions where outcome = 'clear'")" = 2 ] ||
	fail "stored: $(sql 'select lang, outcome from sessions')"
echo "ok: both intakes complete at the larger-text grid; the next patient starts without it"
