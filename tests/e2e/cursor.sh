# Screen readers (Speakup, BRLTTY) follow the terminal's hardware cursor, so
# on every kind of screen that has something to focus the cursor must sit on
# it: on the focus mark ("> ") of the focused option of a yes/no, choice and
# "choose all" screen and of the review list, after moving too; in a typed
# field (text, date, signature) just after the last character typed.
. tests/e2e/lib.sh
export LC_ALL=C.UTF-8

e2e_conf
e2e_start k xterm-256color C.UTF-8

cursor() { t display -p -t k '#{cursor_x} #{cursor_y} #{cursor_flag}'; }

# on_focus WHAT: the cursor is visible and on the focus mark.
on_focus() {
	local x y vis line
	read -r x y vis <<<"$(cursor)"
	line=$(screen k | sed -n "$((y + 1))p")
	[ "$vis" = 1 ] || fail "$1: the cursor is hidden"
	[ "${line:x:2}" = "> " ] || fail "$1: the cursor is at $x,$y on '$line', not on the focus mark"
}

# in_field WHAT TYPED: the cursor is visible, in the field, after TYPED.
in_field() {
	local x y vis line
	read -r x y vis <<<"$(cursor)"
	line=$(screen k | sed -n "$((y + 1))p")
	[ "$vis" = 1 ] || fail "$1: the cursor is hidden"
	case "$line" in *"[$2"*) ;; *) fail "$1: the cursor's line '$line' is not the field holding '$2'";; esac
	[ "${line:x-${#2}:${#2}}" = "$2" ] || fail "$1: the cursor is at $x on '$line', not after '$2'"
}

# pick N: on a "choose all" screen, tick the Nth answer (from the first).
pick() {
	local i
	for ((i = 1; i < $1; i++)); do key k Down; done
	key k Space
}

# settle: the screen has caught up with the last key (cursor stops moving).
settle() {
	local a b
	a=$(cursor); sleep 0.1; b=$(cursor)
	while [ "$a" != "$b" ]; do a=$b; sleep 0.1; b=$(cursor); done
}

wait_for k "Welcome to"
step k Enter "Which language"
settle; on_focus "choice"
key k Down; settle; on_focus "choice, moved down"
step k 1 "Your name"
settle; in_field "text, empty" ""
typ k "Ana Ruiz"; settle; in_field "text" "Ana Ruiz"
step k Enter "Date of birth"
typ k "1985-07-24"; settle; in_field "date" "1985-07-24"
step k Enter "Phone number"
typ k "(561) 555-0123"; step k Enter "Treatment area"
settle; on_focus "multi"
key k Down Down; settle; on_focus "multi, moved down"
key k Up; settle; on_focus "multi, moved up"
key k Space; step k Enter "Pregnancy and nursing"
pick 4; step k Enter "Your skin today"
pick 9; step k Enter "Your skin in the past"
pick 7; step k Enter "Your skin and the sun"
step k 2 "Your health"
pick 6; step k Enter "chemotherapy or radiation treatment now"
settle; on_focus "yesno"
key k Down Down; settle; on_focus "yesno, moved down"
step k n "remember the day"
settle; on_focus "choice (follow-up)"
step k 1 "When was your last"
typ k "2015-06-01"; step k Enter "Radiation"
step k n "Medicines"
pick 6; step k Enter "Past treatments"
pick 7; step k Enter "Skin care products"
pick 3; step k Enter "Allergies"
pick 4; step k Enter "Your signature"
typ k "Ana"; settle; in_field "signature" "Ana"
typ k " Ruiz"; step k Enter "Check your answers"
settle; on_focus "review"
key k Down Down Down; settle; on_focus "review, moved down"
echo "ok: the cursor sits on the focused option or field on every kind of screen"
