# A patient who types a date of birth the wrong way: each mistake is
# explained on the same screen (what was typed stays, to be corrected), the
# format hint is always there, and the corrected date is what is stored.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k Enter "Which language"
step k 1 "Your name"
typ k "Sam Lee"; step k Enter "Date of birth"
shows k "Year-Month-Day, for example 1985-07-24"
typ k "24/07/1985"; step k Enter "Please type the date like the example above"
shows k "[24/07/1985"
shows k "Date of birth"
# Backspace by character, then a day that does not exist.
key k BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
typ k "1985-02-30"; step k Enter "Date of birth: that date does not exist."
key k BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
typ k "2999-01-01"; step k Enter "Date of birth: that date is in the future."
# Before 1900 is too long ago (not "does not exist"), said in words.
key k BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
typ k "1800-01-01"; step k Enter "Date of birth: that date is too long ago."
# A month and day of one digit are fine; the date is read back in words
# before the patient moves on.
key k BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
typ k "1990-5-23"; wait_for k "You typed: 23 May 1990"
key k BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
typ k "2999-01-01"
# Edit in the middle: Home, Delete the year, type another.
key k Home Delete Delete Delete Delete
typ k "1986"
step k Enter "Phone number"
lacks k "That date"
[ "$(sql "select value from answers where qid = 'dob'")" = "1986-01-01" ] ||
	fail "dob stored as '$(sql "select value from answers where qid = 'dob'")'"
# Going back shows the stored answer, ready to change.
step k Escape "Date of birth"
shows k "[1986-01-01"
echo "ok: bad date of birth, corrected"
