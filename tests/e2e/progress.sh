# "Question 12 of 16" must not become "13 of 17" when a follow-up question
# appears: the number only goes up and the total never grows while the
# patient answers (here: cancer treatment, which adds follow-up questions).
. tests/e2e/lib.sh

last_n=0 last_total=999
check() { # read "Question N of T" from the header
	local p n total
	p=$(screen k | head -1 | grep -o 'Question [0-9]* of [0-9]*') || return 0
	n=$(echo "$p" | cut -d' ' -f2); total=$(echo "$p" | cut -d' ' -f4)
	[ "$n" -gt "$last_n" ] || fail "progress went from $last_n to $n"
	[ "$total" -le "$last_total" ] || fail "the total grew from $last_total to $total"
	last_n=$n last_total=$total
}
go() { step "$@"; check; }

e2e_conf
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
go k Enter "Which language"
go k 1 "Your name"
typ k "Pat Progress"; go k Enter "Date of birth"
typ k "1980-03-15"; go k Enter "Phone number"
typ k "561 555 0199"; go k Enter "Treatment area"
go k 1 Enter "Pregnancy and nursing"
go k 4 Enter "Your skin today"
go k 9 Space Enter "Your skin in the past"
go k 7 Enter "Your skin and the sun"
go k 2 "Your health"
go k 6 Enter "Are you getting chemotherapy"
go k n "Do you remember the day"
go k 1 "When was your last"
typ k "2015-06-01"; go k Enter "Radiation"
go k y "Medicines"
go k 6 Enter "Past treatments"
go k 7 Enter "Skin care products"
go k 3 Enter "Allergies"
go k 4 Enter "Your signature"
echo "ok: progress only moves forward ($last_n of $last_total at the end)"
