# An all-clear patient, keyboard only, in every terminal the clinic has:
# reaches the aftercare, the QR code on the screen decodes to the content's
# link, the record is queued, and once the session ends nothing of the
# patient is left on the screen or in the scrollback.
. tests/e2e/lib.sh

run() {
	local n=$1 term=$2 lang=$3 who=$4
	e2e_start "$n" "$term" "$lang"
	WHO=$who walk "$n"
	shows "$n" "Your name: $who"
	step "$n" F10 "You are all set"
	lacks "$n" "$who"
	step "$n" Enter "Caring for your skin"
	shows "$n" "$LINK"
	if [ "$lang" = C.UTF-8 ]; then
		got=$(qr_link "$n") || fail "$n: no QR code could be read from the screen"
		[ "$got" = "$LINK" ] || fail "$n: QR code reads '$got', expected '$LINK'"
	fi
	# Leaving the aftercare ends the session: welcome again, and neither the
	# screen nor the scrollback holds anything of the patient.
	step "$n" Enter "Welcome to"
	t capture-pane -p -S -500 -t "$n" >"$E2E_TMP/$n.scroll"
	for secret in "$who" "1985-07-24" "555-0123" "$LINK"; do
		! grep -qF -- "$secret" "$E2E_TMP/$n.scroll" || fail "$n: '$secret' left on the screen"
	done
	e2e_stop "$n"   # one kiosk per database: the next terminal's takes over
}

e2e_conf
run xterm xterm-256color C.UTF-8 "Zoë Ñúñez-Øster"
run console linux C.UTF-8 "Zoë Ñúñez-Øster"
run plain linux C "Zoe Nunez-Oster"
[ "$(sql "select count(*) from sessions where state = 'completed'")" = 3 ] ||
	fail "expected 3 completed sessions: $(sql 'select state from sessions')"
[ "$(sql "select count(*) from outbox")" = 3 ] || fail "expected 3 records queued"
[ "$(sql "select count(distinct outcome) || outcome from sessions")" = 1clear ] ||
	fail "outcomes: $(sql 'select outcome from sessions')"
echo "ok: clear patient in xterm, console UTF-8 and console ASCII"
