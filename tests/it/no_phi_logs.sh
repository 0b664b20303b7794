#!/bin/bash
# No patient data in any log, error output or command output.  A patient
# with a recognisable name, date of birth and phone answers on the real
# kiosk in tmux; kiosk-sync sends the record to the test FHIR server over
# TLS, which first refuses it (HTTP 400) so staff retry it from the staff
# menu; then every log, stderr and command output of the kiosk, kiosk-sync,
# kiosk status/staff/publish, and the audit log, is searched for the name,
# the date of birth and the phone number.  The server must hold them (so
# the data did flow), and the kiosk's database must have purged them.
. tests/tools/sync_lib.sh
sync_setup

NAME_FIRST=Zebulon
NAME_LAST=Quarrington
WHO="$NAME_FIRST $NAME_LAST"
DOB=1954-12-03
PHONE="(561) 555-0147"
SECRETS=("$NAME_FIRST" "$NAME_LAST" "$DOB" "1954/12/03" "555-0147" "5550147")

PORT=$(free_port)
# The first request uploads the Questionnaire; the second, the record, is refused.
server_start "$PORT" --faults "ok,400"
mkdir -p "$T/var" "$T/out"
cat >"$T/kiosk.conf" <<CONF
[kiosk]
database = $T/var/kiosk.db
content = $ROOT/screens
published = $T/var/content
pepper_file = $T/var/pepper
[sync]
server = https://127.0.0.1:$PORT/fhir
ca_file = $PKI/ca.pem
token_file = $T/token
connect_timeout = 2
timeout = 5
backoff_max = 2
CONF
kk() { "$BUILD/kiosk" "$@" --config "$T/kiosk.conf"; }
kk init >/dev/null || fail "kiosk init"
echo 482913 | kk staff add maria --role staff >"$T/out/staff.out" 2>"$T/out/staff.err" || fail "staff add"

# ---- the patient, on the real screen ----
SOCK="kiosk-phi-$$"
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null || true; sync_cleanup' EXIT
scr() { tm capture-pane -p -t k; }
see() { # see TEXT: wait until TEXT is on the screen
	local i=0
	until scr | grep -qF -- "$1"; do
		i=$((i + 1))
		[ $i -gt 300 ] && { scr >&2; fail "'$1' never appeared"; }
		sleep 0.05
	done
}
go() { local want=${!#}; tm send-keys -t k "${@:1:$#-1}"; see "$want"; }
txt() { tm send-keys -t k -l "$1"; }

tm new-session -d -x 80 -y 24 -s k \
	"env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $BUILD/kiosk --config $T/kiosk.conf 2>$T/out/kiosk.err; echo kiosk-exit=\$?; sleep 600"
see "Welcome to"
go Enter "Which language"
go 1 "Your name"
txt "$WHO"; go Enter "Date of birth"
txt "$DOB"; go Enter "Phone number"
txt "$PHONE"; go Enter "Treatment area"
go Space Enter "Pregnancy and nursing"
go 4 Enter "Your skin today"
go 9 Space Enter "Your skin in the past"
go 7 Enter "Your skin and the sun"
go 4 "Your health"
go 7 Enter "Medicines"
go 6 Enter "Past treatments"
go 7 Enter "Skin care products"
go 3 Enter "Allergies"
go 4 Enter "Your signature"
txt "$WHO"; go Enter "Check your answers"
go F10 "A clinician will look at your answers"
go Enter "Caring for your skin"
go Enter "Welcome to"

# ---- delivery: refused once, retried by staff, delivered ----
sync_once
[ "$RC" -eq 4 ] || fail "first delivery: exit $RC, expected 4 (refused)"
kk status >"$T/out/status1.out" 2>"$T/out/status1.err"
go F12 "Staff sign-in"
txt maria; tm send-keys -t k Enter; txt 482913
go Enter "Staff menu - maria (staff)"
go 2 "Today's intakes"
scr | grep -qF "$WHO" || fail "staff do not see the patient's name"
go Escape "Staff menu"
go 4 "1 failed record queued to be sent again."
go Escape "Welcome to"
sync_once
[ "$RC" -eq 0 ] || fail "delivery after the retry: exit $RC"
kk status >"$T/out/status2.out" 2>"$T/out/status2.err"
kk status --json >"$T/out/status.json" 2>"$T/out/status3.err"
kk status --verify-audit >"$T/out/verify.out" 2>"$T/out/verify.err" || true
kk check "$ROOT/screens" >"$T/out/check.out" 2>"$T/out/check.err" || true
kk publish "$ROOT/screens" >"$T/out/publish.out" 2>"$T/out/publish.err" || true
# The daemon too, briefly: it logs its start, the idle wait and the stop.
daemon_start
sleep 1
daemon_stop
tm send-keys -t k F12
see "Staff sign-in"
tm send-keys -t k Escape
see "Welcome to"
tm kill-server 2>/dev/null || true
sqlite3 -cmd ".timeout 10000" "$T/var/kiosk.db" "SELECT time, actor, action, detail FROM audit" >"$T/out/audit.txt"
[ -s "$T/out/audit.txt" ] || fail "the audit log is empty"
cp "$T/sync.log" "$T/daemon.log" "$T/out/" 2>/dev/null || true
[ -f "$T/var/content/history" ] && cp "$T/var/content/history" "$T/out/publish-history"

# ---- the data did flow ... ----
dump >"$T/dump.json" || fail "cannot read the server's dump"
grep -qF "$NAME_LAST" "$T/dump.json" || fail "the server never received the patient (test is vacuous)"
grep -qF "$DOB" "$T/dump.json" || fail "the server never received the date of birth"
# ... but was purged from the kiosk once acknowledged.
[ "$(sqlite3 -cmd ".timeout 10000" "$T/var/kiosk.db" "SELECT count(*) FROM sessions WHERE patient_name IS NOT NULL")" = 0 ] ||
	fail "the patient's name is still in the database after delivery"

# ---- and no log or output holds it ----
echo "searched: $(ls "$T/out" | tr '\n' ' ')"
bad=0
for f in "$T"/out/*; do
	for s in "${SECRETS[@]}"; do
		if grep -aqF -- "$s" "$f"; then
			echo "FAIL: '$s' found in $(basename "$f"):"; grep -aF -- "$s" "$f" | head -3
			bad=1
		fi
	done
done
[ $bad -eq 0 ] || exit 1
echo "ok: no name, date of birth or phone in $(ls "$T/out" | wc -l) logs and outputs"
