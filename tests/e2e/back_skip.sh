# A patient who goes back and changes an answer so that a follow-up screen
# is no longer shown: the follow-up's answer is dropped from the database
# and from the review; editing from the review comes back to the review.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8
WHO="Kim Park" DOB=1990-04-01 PHONE="(561) 555-0100" walk_start k
step k 1 Enter "Acne pills"            # isotretinoin: the follow-up appears
step k 2 "Do you remember the day"     # "I have stopped": the day known?
step k 1 "When did you take your last"  # "Yes": when?
typ k "2020-01-01"; step k Enter "Past treatments"
[ "$(sql "select count(*) from answers where qid like 'isotretinoin%'")" = 3 ] || fail "follow-ups not saved"
# Back to the medicines screen: the earlier answers are all still there.
step k Escape "2020-01-01"
step k Escape "Yes, I remember the day"
shows k "(*)"
step k Escape "I have stopped"
shows k "(*)"
step k Escape "Medicines"
shows k "[x] Acne pills called isotretinoin"
# Change the answer: isotretinoin off, none on.
key k 1
wait_for k "[ ] Acne pills called isotretinoin"
step k 6 Enter "Past treatments"
[ "$(sql "select count(*) from answers where qid like 'isotretinoin%'")" = 0 ] ||
	fail "answers of screens no longer shown were kept"
step k 7 Enter "Skin care products"
step k 3 Enter "Allergies"
step k 4 Enter "Your signature"
typ k "Kim Park"; step k Enter "Check your answers"
lacks k "Acne pills"
shows k "Medicines: None of these"
# Change the phone number from the review: back to the review afterwards.
step k Down Down Down Enter "Phone number"
key k BSpace BSpace BSpace BSpace
typ k "0199"
step k Enter "Check your answers"
shows k "Phone number: (561) 555-0199"
step k F10 "You are all set"
echo "ok: back, change, skipped screen dropped"
