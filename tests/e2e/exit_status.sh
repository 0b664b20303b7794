# Only the administrator's quit from the staff menu ends the kiosk with
# status 0, which deploy/kiosk.service treats as "stopped for maintenance"
# (no restart, a login on tty1).  A stray SIGTERM or a lost terminal ends it
# with a status that the unit's own Restart=, RestartPreventExitStatus= and
# SuccessExitStatus= rules restart.  The rules are read from the unit file
# and applied as systemd.service(5) documents them; the kiosk's real exit
# (code or signal) is observed in tmux through a wrapper.
. tests/e2e/lib.sh

UNIT=$ROOT/deploy/kiosk.service

# restarts UNIT "code:N" | "signal:NAME": does systemd restart the service
# after its main process ended so (not an explicit stop)?
restarts() {
	python3 - "$1" "$2" <<'PY'
import re, signal, sys
unit, how = sys.argv[1], sys.argv[2]
keys = {}
for line in open(unit):
    m = re.match(r'^\s*([A-Za-z]+)=(.*)$', line)
    if m:
        keys.setdefault(m.group(1), []).append(m.group(2).strip())
def status_list(name):
    out = set()
    for v in keys.get(name, []):
        if v == "":
            out = set()
        for w in v.split():
            out.add(w if not w.isdigit() else int(w))
    return out
restart = (keys.get("Restart") or ["no"])[-1]
kind, val = how.split(":")
if kind == "code":
    val = int(val)
else:
    val = "SIG" + val if not val.startswith("SIG") else val
prevent = status_list("RestartPreventExitStatus")
success_extra = status_list("SuccessExitStatus")
# systemd.service(5): a clean exit is status 0, or SIGHUP, SIGINT, SIGTERM,
# SIGPIPE, or anything in SuccessExitStatus=.
clean_sigs = {"SIGHUP", "SIGINT", "SIGTERM", "SIGPIPE"}
if kind == "code":
    clean = val == 0 or val in success_extra
    abnormal_signal = False
else:
    clean = val in clean_sigs or val in success_extra
    abnormal_signal = not clean
if val in prevent:
    print("no"); sys.exit(0)
table = {
    "no": False,
    "always": True,
    "on-success": clean,
    "on-failure": not clean,
    "on-abnormal": abnormal_signal,
    "on-abort": abnormal_signal,
    "on-watchdog": False,
}
print("yes" if table[restart] else "no")
PY
}

# The rules do what the unit promises at all: the maintenance quit (0)
# is not restarted (the staff menu's quit is seen exiting 0 in
# tests/e2e/staff_login.sh).
[ "$(restarts "$UNIT" code:0)" = no ] || fail "the unit restarts after the maintenance quit (0)"

WRAP="python3 -c 'import subprocess,sys,signal; r=subprocess.call(sys.argv[1:]); print(\"wait=code:%d\" % r if r >= 0 else \"wait=signal:%s\" % signal.Signals(-r).name)'"
e2e_conf
for sig in TERM HUP; do
	n=k$sig
	e2e_start $n xterm-256color C.UTF-8 80 24 "$WRAP $KIOSK --config $CONF"
	wait_for $n "Welcome to"
	pid=$(pgrep -P "$(t list-panes -t $n -F '#{pane_pid}')" -f "python3" | head -1)
	kpid=$(pgrep -P "$pid" -x kiosk) || fail "no kiosk process"
	kill -$sig "$kpid"
	wait_for $n "wait="
	how=$(screen $n | sed -n 's/^wait=//p' | head -1)
	[ "$how" != code:0 ] || fail "SIG$sig ended the kiosk with status 0 (the maintenance quit)"
	[ "$(restarts "$UNIT" "$how")" = yes ] || fail "after SIG$sig ($how) the unit would not restart the kiosk"
	echo "SIG$sig: $how, restarted by the unit"
done
echo "ok: signals end the kiosk non-zero and the unit restarts it; only the maintenance quit is 0"
