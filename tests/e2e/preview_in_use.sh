# `kiosk preview SCREEN` without a folder draws the content version in use:
# after a publish, the published wording, not kiosk.content's.
. tests/e2e/lib.sh

e2e_conf
cp -R "$ROOT/screens" "$E2E_TMP/v2"
sed -i 's/What is your full name?/What is your full legal name (v2)?/' "$E2E_TMP/v2/030-name.yaml"
"$KIOSK" publish --config "$CONF" "$E2E_TMP/v2" >"$E2E_TMP/pub" 2>&1 || fail "publish: $(cat "$E2E_TMP/pub")"
e2e_start a xterm-256color C.UTF-8 80 24 "$KIOSK preview full_name --config $CONF"
wait_for a "full legal name (v2)"
key a x
wait_for a "kiosk-exit=0"
echo "ok: preview shows the published version in use"
