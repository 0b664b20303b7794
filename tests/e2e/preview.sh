# `kiosk preview SCREEN [--lang es] [DIR]` draws one screen of a content
# folder in the real UI with sample answers, without a database; any key
# exits.  An unknown screen is reported.
. tests/e2e/lib.sh

e2e_conf
rm -rf "$E2E_TMP/db"   # preview needs no database and must not make one
e2e_start a xterm-256color C.UTF-8 80 24 "$KIOSK preview aftercare --lang es --config $CONF $ROOT/screens"
wait_for a "Cuidado de la piel"
got=$(qr_link a) || fail "no QR code in the preview"
[ "$got" = "$LINK" ] || fail "preview QR code reads '$got'"
key a x
wait_for a "kiosk-exit=0"

# A follow-up screen is reached through the answers its condition needs.
e2e_start b xterm-256color C.UTF-8 80 24 "$KIOSK preview isotretinoin_stop --config $CONF"
wait_for b "When did you take your last isotretinoin pill?"
shows b "Year-Month-Day"
key b Enter
wait_for b "kiosk-exit=0"
[ ! -e "$DB" ] || fail "preview created a database"

out=$("$KIOSK" preview no_such_screen --config "$CONF" 2>&1) && fail "an unknown screen was accepted"
echo "$out" | grep -q "no screen 'no_such_screen'" || fail "unclear message: $out"
echo "ok: preview"
