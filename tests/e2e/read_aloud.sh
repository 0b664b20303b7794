# Read aloud (F5), with the synthesiser's output going to a sink file in
# place of a sound card: nothing is said until the patient turns it on;
# then each screen is said as it appears, in the session's language, with
# its own words; moving the focus says the option, ticking says what was
# ticked, a refused answer says why; a key cuts speech off; typed answers
# are spelled only on request (F6); and the next patient starts silent.
# Larger text is not offered on a terminal that is not a Linux VT.
. tests/e2e/lib.sh

SINK="$E2E_TMP/spoken"
e2e_conf "[speech]" "sink = $SINK"
e2e_start k xterm-256color C.UTF-8

# said TEXT: wait until a "say" line of the sink holds TEXT.
said() { heard "$SINK" "$1"; }
says() { grep -c '^say	' "$SINK" 2>/dev/null || echo 0; }

wait_for k "Welcome to"
shows k "F5 Read aloud"
lacks k "F4"                       # no console font to change here
sleep 0.5
[ "$(says)" = 0 ] || fail "something was said before read aloud was on"
key k F5
said "say	en	Welcome to Balshi Dermatology. Before your micro-needling visit"
# A key cuts the welcome text off (it takes many seconds to say).
step k Enter "Which language"
# The speech thread writes how the utterance ended just after the stop:
# wait for that line, then it must say "cut", not "end".
i=0
until grep -q '^\(cut\|end\)	' "$SINK"; do
	i=$((i + 1))
	[ $i -gt $((E2E_TIMEOUT * 20)) ] && { cat "$SINK"; fail "the welcome text never ended"; }
	sleep 0.05
done
[ "$(grep -m1 '^\(cut\|end\)	' "$SINK" | cut -f1)" = cut ] || { cat "$SINK"; fail "the key did not cut speech off"; }
said "Language. Which language would you like to use?"
said "1, English. 2, Español (Spanish)."
key k Down
said "say	en	2, Español (Spanish)."
key k Up
step k 1 "Your name"
said "Your name. What is your full name?"
typ k "Zoë Ñúñez"
key k F6
said "say	en	Your name: Z o ë, Ñ ú ñ e z."
step k Enter "Date of birth"
typ k "24/07/1985"; step k Enter "! "
shown=$(screen k | sed -n 's/^ *! //p' | head -1)
said "say	en	$shown"
for i in 1 2 3 4 5 6 7 8 9 10; do key k BSpace; done
typ k "1979-03-15"; step k Enter "Phone number"
typ k "(561) 555-0123"; step k Enter "Treatment area"
said "Treatment area."
key k Space
said "say	en	Ticked: Face."
key k Space
said "say	en	Unticked: Face."
key k Space
step k Enter "Pregnancy and nursing"
step k F2 "Embarazo y lactancia"   # Spanish: the Spanish voice and words
said "Embarazo y lactancia. Hacemos esta pregunta"
grep -q "^say	es	Pregunta [0-9]* de [0-9]*. Embarazo y lactancia." "$SINK" || fail "not said in Spanish"
step k F2 "Pregnancy and nursing"
step k 4 Enter "Your skin today"
step k 9 Space Enter "Your skin in the past"
step k 7 Enter "Your skin and the sun"
step k 2 "Your health"
step k 7 Enter "Medicines"
step k 6 Enter "Past treatments"
step k 7 Enter "Skin care products"
step k 3 Enter "Allergies"
step k 4 Enter "Your signature"
typ k "Zoë Ñúñez"; step k Enter "Check your answers"
said "Your name: your typed answer. Press F6 to hear it spelled out."
# Every screen was said, each with its title; no typed answer unasked.
for title in "Language" "Your name" "Date of birth" "Phone number" "Treatment area" \
	"Pregnancy and nursing" "Your skin today" "Your skin in the past" "Your skin and the sun" \
	"Your health" "Medicines" "Past treatments" "Skin care products" "Allergies" \
	"Your signature" "Check your answers"; do
	grep -q "^say	en	.*$title\." "$SINK" || fail "the '$title' screen was never said"
done
grep -F "1979-03-15" "$SINK" | grep -q . && fail "the birth date was read out"
grep -F "555-0123" "$SINK" | grep -q . && fail "the phone number was read out"
n=$(grep -c 'Ñ ú ñ e z' "$SINK")
step k F10 "You are all set"
said "say	en	Thank you. You are all set."
step k Enter "Caring for your skin"
said "Caring for your skin after micro-needling."
step k Enter "Welcome to"
# The next patient: read aloud is off again.
sleep 1
last=$(grep '^say	' "$SINK" | tail -1)
case "$last" in *"Caring for your skin"*) ;; *) fail "something was said to the next patient: $last";; esac
[ "$(grep -c 'Ñ ú ñ e z' "$SINK")" = "$n" ] || fail "the name was spelled unasked"
echo "ok: read aloud says each screen, cuts off at a key, resets for the next patient"
