# The patient cannot leave the kiosk: Ctrl-C, Ctrl-Z, Ctrl-\, Ctrl-S/Ctrl-Q
# and unknown escape sequences do nothing.  SIGTERM ends it (status 143) with the
# terminal restored; a crash (SIGSEGV) restores and clears the terminal and
# prints no patient data.
. tests/e2e/lib.sh

e2e_conf
for sig in TERM SEGV; do
	n=k$sig
	e2e_start $n xterm-256color C.UTF-8
	wait_for $n "Welcome to"
	step $n Enter "Which language"
	step $n 1 "Your name"
	typ $n "Al Secret"
	wait_for $n "[Al Secret"
	key $n C-c C-z 'C-\' C-s C-q C-d
	t send-keys -t $n -l $'\e[99~'     # a key no terminal has
	t send-keys -t $n -l $'\e[1;9Q'
	typ $n "!"
	wait_for $n "[Al Secret!"
	shows $n "Your name"
	lacks $n "kiosk-exit"
	pid=$(kiosk_pid $n) || fail "the kiosk is not running"
	kill -$sig "$pid"
	wait_for $n "kiosk-exit="
	lacks $n "Al Secret"
	lacks $n "Your name"
	! grep -q "Al Secret" "$E2E_TMP/$n.err" || fail "patient data on stderr"
	wait_for $n "tty-sane"
done
screen kSEGV | grep -q "kiosk-exit=139" || fail "SIGSEGV did not end the kiosk with the signal"
# Not 0: that is the administrator's maintenance quit, which systemd does not
# restart (tests/e2e/exit_status.sh).
screen kTERM | grep -q "kiosk-exit=143" || fail "SIGTERM did not end the kiosk with status 143"
grep -q "internal error" "$E2E_TMP/kSEGV.err" || fail "the crash left no message"
echo "ok: lockdown, clean SIGTERM, crash restores the terminal"
