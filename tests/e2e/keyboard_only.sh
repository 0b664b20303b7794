# A keyboard-only patient: Tab and Shift+Tab go through the answers and
# the buttons in reading order, Space chooses, Backspace never leaves a
# field, text typed right after Esc is kept, ten options are reached by
# number without ticking option 1 on the way, Home/End move, the key help
# says what Enter does, and after an edit from review the focus returns to
# the edited line.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
key k Tab                                             # the focus is on [ Continue ]
step k Space "Which language"
step k BTab BTab BTab "> 2."                          # Shift+Tab: Continue, Back, then the list
step k Home "> 1."
step k Down Up Space "Your name"                      # Space chooses the focused option
typ k "Al"
key k BSpace BSpace BSpace BSpace BSpace BSpace
sleep 0.3
shows k "Your name"                                   # held Backspace stays in the field
lacks k "Which language"
typ k "Zoe Lin"; step k Enter "Date of birth"
# Esc and a letter in the same burst: Esc goes back, the letter is kept.
t send-keys -t k -l $'\e'"X"
wait_for k "[Zoe LinX"
step k BSpace Enter "Date of birth"
typ k "1985-07-24"; step k Enter "Phone number"
typ k "561 555 0100"; step k Enter "Treatment area"
step k Space Enter "Pregnancy and nursing"
step k 4 Enter "Your skin today"
shows k "Number or Up/Down: move"
# "1" "0": option 10 has the focus; option 1 is not ticked.
key k 1 0
wait_for k "> 10. [ ]"
shows k " 1. [ ] "
step k Up Space "> 9. [x]"
step k Enter "Your skin in the past"
step k Escape "> 9. [x]"                              # back: the focus is on the answer given
step k Enter "Your skin in the past"
step k 7 Enter "Your skin and the sun"
step k 2 "Your health"
step k 7 Enter "Medicines"
step k 6 Enter "Past treatments"
step k 7 Enter "Skin care products"
step k 3 Enter "Allergies"
step k 4 Enter "Your signature"
typ k "Zoe Lin"; step k Enter "Check your answers"
shows k "Enter: change this answer"
step k Down Down "> Date of birth: 24 July 1985"
step k Enter "Date of birth"
key k End BSpace BSpace; typ k "25"
step k Enter "Check your answers"
shows k "> Date of birth: 25 July 1985"                # the focus came back to the edited line
step k End "Enter: all correct, finish"
step k Enter "You are all set"
[ "$(sql "select value from answers where qid = 'dob'")" = "1985-07-25" ] || fail "dob: $(sql "select value from answers where qid = 'dob'")"
[ "$(sql "select value from answers where qid = 'skin_today'")" = "none" ] || fail "skin_today: $(sql "select value from answers where qid = 'skin_today'")"
echo "ok: keyboard only"
