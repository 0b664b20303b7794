# Shared helpers for the end-to-end tests of the patient screen.
#
# Each test starts the real kiosk binary inside tmux (a private tmux server,
# so a developer's own tmux is never touched) at a fixed size, with a fixed
# TERM and locale, a temporary kiosk.conf and a temporary database; sends
# keys; and reads the screen back with capture-pane.  Waiting is always
# "poll until the text is on the screen", never a fixed sleep.
#
# Usage in a test:   . tests/e2e/lib.sh ; e2e_start k1 xterm-256color C.UTF-8
set -eu

# Run on its own (the test runner globs tests/e2e/*.sh) it has nothing to do.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "lib.sh: helpers for the end-to-end tests; nothing to run"
	exit 0
fi

: "${BUILD:?BUILD must name the folder holding the kiosk binary}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KIOSK="$BUILD/kiosk"
E2E_TMP=$(mktemp -d /tmp/kiosk-e2e.XXXXXX)
E2E_SOCK="kiosk-e2e-$$"
E2E_TIMEOUT=${E2E_TIMEOUT:-15}
LINK=$(sed -n 's/^link: *//p' "$ROOT/screens/970-aftercare.yaml")

# After the kiosk ends, the pane tells whether the terminal was given back
# in its normal state (line editing and echo on).
E2E_TTYCHECK="stty -a | grep -q ' icanon' && stty -a | grep -q ' echo ' && echo tty-sane"

t() { tmux -L "$E2E_SOCK" "$@"; }

e2e_cleanup() {
	t kill-server 2>/dev/null || true
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

# e2e_conf: write $E2E_TMP/kiosk.conf (extra "key = value" lines may follow)
# and create its database with `kiosk init`.
e2e_conf() {
	DB="$E2E_TMP/db/kiosk.db"
	CONF="$E2E_TMP/kiosk.conf"
	{
		echo "[kiosk]"
		echo "database = $DB"
		echo "content = $ROOT/screens"
		echo "published = $E2E_TMP/published"
		echo "pepper_file = $E2E_TMP/pepper"
		echo "idle_seconds = ${IDLE:-60}"
		echo "idle_warning_seconds = ${IDLE_WARN:-30}"
		echo "done_seconds = ${DONE:-120}"
		for l in "$@"; do echo "$l"; done
	} >"$CONF"
	# The one command that creates a database (the kiosk refuses a
	# missing one).
	"$KIOSK" init --config "$CONF" >/dev/null
}

# e2e_start NAME TERM LANG [COLS ROWS [CMD...]]: run the kiosk in a pane.
# When the program ends the pane stays, showing "kiosk-exit=STATUS" and
# "tty-sane" if the terminal modes were restored.
e2e_start() {
	local name=$1 term=$2 lang=$3 cols=${4:-80} rows=${5:-24}
	shift 5 2>/dev/null || shift $#
	[ -f "${CONF:-}" ] || e2e_conf
	local cmd="$KIOSK --config $CONF"
	[ $# -gt 0 ] && cmd="$*"
	t new-session -d -x "$cols" -y "$rows" -s "$name" \
		"env -u LANGUAGE TERM=$term LANG=$lang LC_ALL=$lang $cmd 2>>$E2E_TMP/$name.err; echo kiosk-exit=\$?; $E2E_TTYCHECK; sleep 600"
}

screen() { t capture-pane -p -t "$1"; }

# kiosk_pid NAME: the process id of the kiosk running in pane NAME.
kiosk_pid() { pgrep -P "$(t list-panes -t "$1" -F '#{pane_pid}')" -x kiosk; }

# e2e_stop NAME: end the kiosk in pane NAME (SIGTERM) and wait until it has
# exited, so that the next kiosk on the same database may start (one kiosk
# per database).
e2e_stop() {
	local pid
	pid=$(kiosk_pid "$1") && kill -TERM "$pid"
	wait_for "$1" "kiosk-exit="
}

fail() {
	echo "FAIL: $*" >&2
	for s in $(t list-sessions -F '#S' 2>/dev/null); do
		echo "--- screen of $s:" >&2
		screen "$s" >&2 || true
		[ -s "$E2E_TMP/$s.err" ] && { echo "--- stderr of $s:" >&2; cat "$E2E_TMP/$s.err" >&2; }
	done
	exit 1
}

# wait_for NAME TEXT [SECONDS]: until TEXT (fixed string) is on the screen.
wait_for() {
	local name=$1 text=$2 limit=${3:-$E2E_TIMEOUT} i=0
	while ! screen "$name" | grep -qF -- "$text"; do
		i=$((i + 1))
		[ $i -gt $((limit * 20)) ] && fail "'$text' never appeared on $name"
		sleep 0.05
	done
}

# wait_gone NAME TEXT [SECONDS]: until TEXT is no longer on the screen.
wait_gone() {
	local name=$1 text=$2 limit=${3:-$E2E_TIMEOUT} i=0
	while screen "$name" | grep -qF -- "$text"; do
		i=$((i + 1))
		[ $i -gt $((limit * 20)) ] && fail "'$text' stayed on $name"
		sleep 0.05
	done
}

# heard SINK TEXT [SECONDS]: until a "say" line of the speech sink file
# SINK ([speech] sink) holds TEXT, the fixed string handed to the
# synthesiser.
heard() {
	local sink=$1 text=$2 limit=${3:-$E2E_TIMEOUT} i=0
	until [ -f "$sink" ] && grep -F -- "$text" "$sink" | grep -q '^say	'; do
		i=$((i + 1))
		[ $i -gt $((limit * 20)) ] && { cat "$sink" >&2 2>/dev/null; fail "never said: $text"; }
		sleep 0.05
	done
}

# Assert the screen shows / does not show a fixed string right now.
shows() { screen "$1" | grep -qF -- "$2" || fail "$1 does not show '$2'"; }
lacks() { ! screen "$1" | grep -qF -- "$2" || fail "$1 still shows '$2'"; }

key() { local n=$1; shift; t send-keys -t "$n" "$@"; }
typ() { t send-keys -t "$1" -l "$2"; }

# step NAME KEYS... EXPECT: send keys, then wait for EXPECT.
step() {
	local n=$1 expect=${!#}
	local keys=("${@:2:$#-2}")
	t send-keys -t "$n" "${keys[@]}"
	wait_for "$n" "$expect"
}

sql() { sqlite3 "$DB" "$1"; }

# qr_link NAME: decode the QR code drawn on the screen.
qr_link() {
	screen "$1" | /usr/bin/python3 "$ROOT/tests/tools/screen2qr.py" "$E2E_TMP/qr.pgm" &&
		zbarimg --raw -q "$E2E_TMP/qr.pgm" 2>/dev/null
}

# walk NAME: an English patient from the welcome screen to the review
# screen.  Answers (keys on each multiple-choice screen) can be changed
# with variables; the defaults raise no flag:
#   WHO DOB PHONE   typed answers
#   PREG (4: none)  SKIN (9: none)  PAST (7: none)  TYPE (2)  HEALTH (7: none)
#   MEDS (6: none)  PROC (7: none)  CARE (3: none)  ALLERGY (4: none)
# walk_start NAME: the same, up to the medicines screen (a test goes on
# from there with answers of its own).
walk_start() {
	local n=$1
	wait_for "$n" "Welcome to"
	step "$n" Enter "Which language"
	step "$n" 1 "Your name"
	typ "$n" "${WHO:-Zoë Ñúñez-Øster}"; step "$n" Enter "Date of birth"
	typ "$n" "${DOB:-1985-07-24}"; step "$n" Enter "Phone number"
	typ "$n" "${PHONE:-(561) 555-0123}"; step "$n" Enter "Treatment area"
	step "$n" Space Enter "Pregnancy and nursing"
	step "$n" "${PREG:-4}" Enter "Your skin today"
	step "$n" ${SKIN:-9} Space Enter "Your skin in the past"
	step "$n" "${PAST:-7}" Enter "Your skin and the sun"
	step "$n" "${TYPE:-2}" "Your health"
	step "$n" "${HEALTH:-7}" Enter "Medicines"
}

walk() {
	local n=$1
	walk_start "$n"
	step "$n" "${MEDS:-6}" Enter "Past treatments"
	step "$n" "${PROC:-7}" Enter "Skin care products"
	step "$n" "${CARE:-3}" Enter "Allergies"
	step "$n" "${ALLERGY:-4}" Enter "Your signature"
	typ "$n" "${WHO:-Zoë Ñúñez-Øster}"; step "$n" Enter "Check your answers"
}
