# One validation for every typed answer, on the screen as in simulate: a
# name of only a zero-width space, or with a text direction override, is
# refused; Unicode spaces become plain spaces (FHIR's string rule); the
# field stops at its limit and says so, and what it holds is accepted.
. tests/e2e/lib.sh

clear_field() { key "$1" End; for i in $(seq 90); do key "$1" BSpace; done; }

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k $'\u200b'; step k Enter "Please use only letters, numbers and punctuation."
clear_field k
typ k $'Ana\u202eLopez'; step k Enter "Please use only letters, numbers and punctuation."
clear_field k
typ k "✓✓"; step k Enter "Please type your name with letters only."
clear_field k
long=$(printf 'A%.0s' $(seq 85))
typ k "$long"
wait_for k "That is the most this answer can hold (80 characters)."
clear_field k
typ k $'Ana\u00a0María\u3000López'; step k Enter "Date of birth"
[ "$(sql "select value from answers where qid = 'full_name'")" = "Ana María López" ] ||
	fail "name stored as '$(sql "select value from answers where qid = 'full_name'" | od -c | head -3)'"
# simulate applies the same rule.
printf 'language: en\nfull_name: "\\u200b"\n' >"$E2E_TMP/a.yaml"
out=$("$KIOSK" simulate screens "$E2E_TMP/a.yaml" 2>&1) && fail "simulate accepted a zero-width name: $out"
echo "$out" | grep -q "letters, numbers and punctuation" || fail "simulate said: $out"
echo "ok: names refused and normalised as the engine says, on screen and in simulate"
