# A patient with two past dates: the isotretinoin stop day is remembered,
# the last filler day is not.  Each date has a "do you remember the day?"
# screen first; "No, I don't remember when it was" skips the date and
# raises a review flag (never clear).  On the review screen the stop date
# reads "Last pill taken on: ...", not a second "Acne pills" row.
. tests/e2e/lib.sh

e2e_conf
e2e_start k xterm-256color C.UTF-8 110 44
WHO="Dana Date" DOB=1990-04-01 PHONE="(561) 555-0100" walk_start k
step k 1 Enter "Acne pills (isotretinoin)"
step k 2 "Do you remember the day you took your last isotretinoin pill?"
step k 1 "When did you take your last isotretinoin pill?"
typ k "2020-01-01"; step k Enter "Past treatments"
step k 3 Enter "Do you remember the day you last had filler"
shows k "I don't remember the day, but it was more than a year ago"
step k 3 "Skin care products"          # no date screen for an unknown day
step k 3 Enter "Allergies"
step k 4 Enter "Your signature"
typ k "Dana Date"; step k Enter "Check your answers"
shows k "Acne pills (isotretinoin): I have stopped"
shows k "Last isotretinoin pill: Yes, I remember the day"
shows k "Last pill taken on: 1 January 2020"   # dates read in words
[ "$(screen k | grep -cE '^ +(> )?Acne pills')" = 1 ] || fail "more than one row titled 'Acne pills'"
shows k "Last filler: No, I don't remember when it was"
lacks k "Last filler on"
step k F10 "A clinician will look at your answers"
lacks k "A clinician will go over some dates with you before treatment."   # reasons are for staff
[ "$(sql "select outcome || ':' || flags from sessions")" = "review:FILLER-DATE-UNKNOWN" ] ||
	fail "stored: $(sql 'select outcome, flags from sessions')"
[ "$(sql "select count(*) from answers where qid = 'filler_date'")" = 0 ] || fail "a filler date was stored"
echo "ok: dates remembered and not remembered"
