# Staff sign-in on the kiosk's own screen: the staff key (F12, not shown)
# opens the login, the PIN is masked, the right PIN opens the menu (the
# maintenance quit only for administrators), a wrong PIN and an unknown name
# get the same answer, five wrong PINs lock the name and the lock survives a
# restart of the kiosk; every attempt is audited without the PIN.  The PIN
# itself is set with `kiosk staff add` on a real terminal: asked twice,
# never echoed.
. tests/e2e/lib.sh

e2e_conf
PIN=482913
# An account set up on a terminal: prompts, no echo, a mismatch refused.
t new-session -d -x 80 -y 24 -s cli \
	"$KIOSK staff add maria --role staff --config $CONF; echo cli-exit=\$?; sleep 600"
wait_for cli "New PIN"
typ cli "$PIN"; key cli Enter
wait_for cli "Same PIN again"
typ cli "$PIN"; key cli Enter
wait_for cli "cli-exit=0"
shows cli "staff account 'maria' added (staff)"
lacks cli "$PIN"
t kill-session -t cli
t new-session -d -x 80 -y 24 -s cli2 \
	"$KIOSK staff add li --role staff --config $CONF; echo cli-exit=\$?; sleep 600"
wait_for cli2 "New PIN"
typ cli2 "305917"; key cli2 Enter
wait_for cli2 "Same PIN again"
typ cli2 "305918"; key cli2 Enter
wait_for cli2 "cli-exit=1"
shows cli2 "the two PINs differ"
t kill-session -t cli2
[ "$(sql "select count(*) from staff where name = 'li'")" = 0 ] || fail "mismatched PINs created an account"
# An administrator, from a script (standard input is not a terminal).
echo 730164 | "$KIOSK" staff add ahmed --role admin --config "$CONF" >/dev/null || fail "admin add"

# attempt NAME PIN: one sign-in try on the open login form; returns once
# the kiosk has answered (the form is empty again, or the menu is shown).
attempt() {
	local n=$1 pin=$3 i=0
	typ "$n" "$2"; key "$n" Enter
	typ "$n" "$pin"
	wait_for "$n" "PIN:  $(printf '%*s' ${#pin} '' | tr ' ' '*')"
	key "$n" Enter
	until screen "$n" | grep -qE '^  Name: *$|Staff menu'; do
		i=$((i + 1)); [ $i -gt 400 ] && fail "no answer to the sign-in"
		sleep 0.05
	done
}

e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
lacks k "F12"
step k F12 "Staff sign-in"
typ k maria; key k Enter
typ k "$PIN"
wait_for k "******"
lacks k "$PIN"
step k Enter "Staff menu - maria (staff)"
for item in "Today's intakes" "Queue status" "Retry failed records" "Reload content" "Sign out" "Content in use:" "sha256:"; do
	shows k "$item"
done
lacks k "Quit the kiosk"
step k Escape "Welcome to"
lacks k "Staff"

# Wrong PIN, unknown name: the same words.
step k F12 "Staff sign-in"
attempt k maria 111222
shows k "wrong name or PIN"
attempt k nosuchperson "$PIN"
shows k "wrong name or PIN"
lacks k "nosuchperson"  # the name field is cleared for the next try
# Three more wrong PINs for maria (five in all): locked.
for i in 1 2 3; do
	attempt k maria 111222
	shows k "wrong name or PIN"
done
attempt k maria 111222
shows k "locked for 5 minutes"
# Locked: even the right PIN is refused.
attempt k maria "$PIN"
shows k "locked for"
shows k "Staff sign-in"
step k Escape "Welcome to"

# A restart does not lift the lock.
e2e_stop k
e2e_start k2 xterm-256color C.UTF-8
wait_for k2 "Welcome to"
step k2 F12 "Staff sign-in"
attempt k2 maria "$PIN"
shows k2 "locked for"
lacks k2 "Staff menu"

# An administrator may quit the kiosk for maintenance (exit status 0).
attempt k2 ahmed 730164
shows k2 "Staff menu - ahmed (admin)"
shows k2 "Quit the kiosk for maintenance"
for i in 1 2 3 4 5; do key k2 Down; done
wait_for k2 "6  Quit the kiosk"
step k2 Enter "Quit the kiosk?"
step k2 y "kiosk-exit=0"

# The audit log: every attempt with the name, never a PIN.
[ "$(sql "select count(*) from audit where actor = 'maria' and action = 'staff login'")" = 1 ] ||
	fail "maria's good login not audited once: $(sql "select actor, action, detail from audit")"
[ "$(sql "select count(*) from audit where actor = 'maria' and action = 'staff login refused'")" = 7 ] ||
	fail "maria's refusals: $(sql "select action, detail from audit where actor = 'maria'")"
# An unknown name is audited, but not what was typed (a patient may type
# their own name at the prompt, and the audit log is kept for good).
[ "$(sql "select count(*) from audit where actor = '(unknown name)' and action = 'staff login refused'")" = 1 ] ||
	fail "unknown name not audited: $(sql "select actor, action from audit")"
[ "$(sql "select count(*) from audit where actor like '%nosuchperson%' or detail like '%nosuchperson%'")" = 0 ] ||
	fail "the typed unknown name is in the audit log"
[ "$(sql "select count(*) from audit where actor = 'ahmed' and action = 'staff quit kiosk'")" = 1 ] ||
	fail "maintenance quit not audited"
[ "$(sql "select count(*) from audit where detail like '%$PIN%' or detail like '%111222%' or actor like '%111222%'")" = 0 ] ||
	fail "a PIN is in the audit log"
echo "ok: staff login, masked PIN, same answer for unknown names, lock after 5 survives restart, admin quit"
