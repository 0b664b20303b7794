# A touch-only patient: every step of the intake by taps alone (SGR mouse
# reports, as a touch screen sends them; typed answers come from the
# on-screen keyboard as text).  Both ends: a clear intake, whose aftercare
# is scrolled to its last line by tapping "More text", and an intake for
# review finished by tapping [ Finish ], whose outcome screen shows no
# reason to the lobby.
. tests/e2e/lib.sh

# tap NAME TEXT: press and release on the second cell of TEXT.
tap() {
	local n=$1 text=$2 row col
	row=$(screen "$n" | grep -nF -- "$text" | head -1 | cut -d: -f1)
	[ -n "$row" ] || fail "'$text' is not on the screen to tap"
	col=$(screen "$n" | sed -n "${row}p" | awk -v s="$text" '{ print index($0, s) }')
	t send-keys -t "$n" -l $'\e'"[<0;$((col + 1));${row}M"$'\e'"[<0;$((col + 1));${row}m"
}
tapw() { tap "$1" "$2"; wait_for "$1" "$3"; }

touch_walk() {
	local n=$1 type=$2
	wait_for "$n" "Welcome to"
	tapw "$n" "[ Continue ]" "Which language"
	tapw "$n" "English" "Your name"
	typ "$n" "Tap Person"; tapw "$n" "[ Continue ]" "Date of birth"
	typ "$n" "1990-01-01"; tapw "$n" "[ Continue ]" "Phone number"
	typ "$n" "561 555 0100"; tapw "$n" "[ Continue ]" "Treatment area"
	tapw "$n" "Face" "[x] Face"
	tapw "$n" "[ Continue ]" "Pregnancy and nursing"
	tapw "$n" "4. [ ]" "4. [x]"
	tapw "$n" "[ Continue ]" "Your skin today"
	tapw "$n" "9. [ ]" "9. [x]"
	tapw "$n" "[ Continue ]" "Your skin in the past"
	tapw "$n" "7. [ ]" "7. [x]"
	tapw "$n" "[ Continue ]" "Your skin and the sun"
	tapw "$n" "$type. ( )" "Your health"
	tapw "$n" "7. [ ]" "7. [x]"
	tapw "$n" "[ Continue ]" "Medicines"
	tapw "$n" "6. [ ]" "6. [x]"
	tapw "$n" "[ Continue ]" "Past treatments"
	tapw "$n" "7. [ ]" "7. [x]"
	tapw "$n" "[ Continue ]" "Skin care products"
	tapw "$n" "3. [ ]" "3. [x]"
	tapw "$n" "[ Continue ]" "Allergies"
	tapw "$n" "4. [ ]" "4. [x]"
	tapw "$n" "[ Continue ]" "Your signature"
	typ "$n" "Tap Person"; tapw "$n" "[ Continue ]" "Check your answers"
	# The highlighted line is an answer; [ Finish ] must still finish.
	shows "$n" "> Language: English"
	tap "$n" "[ Finish ]"
}

e2e_conf
e2e_start k xterm-256color C.UTF-8
touch_walk k 2
wait_for k "You are all set"
lacks k "Your name:"
tapw k "[ Continue ]" "Caring for your skin"
shows k "More text"
for i in 1 2 3 4 5 6 7 8 9 10; do
	screen k | grep -qF "More text" || break
	tap k "More text"
	sleep 0.3
done
lacks k "More text"
shows k "$(tail -1 assets/aftercare.en.txt | sed 's/^ *//' | cut -c1-30)"
# The wheel scrolls back up to the title.
for i in $(seq 40); do t send-keys -t k -l $'\e[<64;10;10M'; done
wait_for k "Caring for your skin after"
tapw k "[ Continue ]" "Welcome to"
[ "$(sql "select outcome from sessions")" = "clear" ] || fail "stored: $(sql 'select outcome from sessions')"

touch_walk k 4
wait_for k "A clinician will look at your answers"
lacks k "darker skin"
lacks k "skin type"
[ "$(sql "select group_concat(outcome || ':' || flags) from sessions where outcome = 'review'")" = "review:SKIN-TYPE-DARKER" ] ||
	fail "stored: $(sql 'select outcome, flags from sessions')"
echo "ok: a whole intake by touch, both outcomes"
