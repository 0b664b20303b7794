# kiosk.language names a language the content does not have: the kiosk
# still shows its first language, but says so in its log (the journal)
# instead of silently, and `kiosk check --config` refuses the setting.
. tests/e2e/lib.sh

e2e_conf "language = fr"
out=$("$KIOSK" check --config "$CONF" 2>&1) && fail "check --config accepted language = fr"
echo "$out" | grep -q "kiosk.language: 'fr' is not a language of the content" || fail "check said: $out"
e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
grep -q "kiosk.language 'fr' is not a language of" "$E2E_TMP/k.err" || fail "no warning in the log: $(cat "$E2E_TMP/k.err")"
echo "ok: an unknown kiosk.language is reported by check and in the log"
