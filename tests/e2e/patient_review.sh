# A patient whose answers need a clinician's look (Fitzpatrick IV), on a
# monochrome vt100 with no UTF-8: the outcome says a clinician will look
# first, in words and a symbol; the aftercare QR code is drawn in ASCII
# ("##" per module) when the window is large enough, and decodes to the
# link; at 80x24 the link is shown alone.
. tests/e2e/lib.sh

e2e_conf
e2e_start big vt100 C 110 44
TYPE=4 WHO="Ana Lopez" walk big
shows big "Your skin and the sun: Rarely burns, tans easily to medium brown"
step big Up Enter "A clinician will look at your answers"
shows big " ! A clinician will look at your answers"
shows big "Please have a seat"
lacks big "Fitzpatrick"   # staff wording never reaches the patient
step big Enter "Caring for your skin"
got=$(qr_link big) || fail "no QR code could be read from the ASCII screen"
[ "$got" = "$LINK" ] || fail "ASCII QR code reads '$got', expected '$LINK'"
screen big | grep -q '##' || fail "the code is not drawn with ##"

e2e_stop big
e2e_start small vt100 C 80 24
TYPE=4 WHO="Ana Lopez" walk small
step small Up Enter "A clinician will look at your answers"
step small Enter "Caring for your skin"
shows small "$LINK"
lacks small "Scan"                    # no code on the screen: nothing to scan
shows small "type this address on your phone"
! screen small | grep -q '##' || fail "an ASCII code that cannot fit was drawn at 80x24"
[ "$(sql "select group_concat(outcome || ':' || flags) from sessions")" = "review:SKIN-TYPE-DARKER,review:SKIN-TYPE-DARKER" ] ||
	fail "stored: $(sql 'select outcome, flags from sessions')"
echo "ok: review patient, ASCII QR code"
