# `kiosk simulate --record` puts a made-up patient into the real send
# queue, so it is refused unless asked in so many words, and what it
# records is a test record: the Bundle and every resource in it carry
# meta.security HTEST (v3-ActReason), `kiosk status` counts it as a test
# record, and the staff list marks it.
. tests/e2e/lib.sh

e2e_conf
echo 482913 | "$KIOSK" staff add maria --role staff --config "$CONF" >/dev/null || fail "staff add"
ANS=$ROOT/tests/content/all-clear.yaml

if "$KIOSK" simulate --record --config "$CONF" "$ANS" >"$E2E_TMP/out" 2>"$E2E_TMP/err"; then
	fail "--record alone was accepted"
fi
grep -q -- "--test-into-live-db" "$E2E_TMP/err" || fail "the refusal does not say how: $(cat "$E2E_TMP/err")"
[ "$(sql "select count(*) from sessions")" = 0 ] || fail "the refused run stored something"
"$KIOSK" simulate --help 2>&1 | grep -q -- "--test-into-live-db" || fail "usage does not document it"

id=$("$KIOSK" simulate --record --test-into-live-db --config "$CONF" "$ANS") || fail "simulate --record failed"
sql "select bundle from outbox where id = '$id'" >"$E2E_TMP/bundle.json"
python3 - "$E2E_TMP/bundle.json" <<'PY' || fail "the record is not tagged as test data"
import json, sys
b = json.load(open(sys.argv[1]))
def htest(r):
    return any(s.get("system") == "http://terminology.hl7.org/CodeSystem/v3-ActReason" and s.get("code") == "HTEST"
               for s in r.get("meta", {}).get("security", []))
res = [b] + [e["resource"] for e in b["entry"]]
bad = [r["resourceType"] for r in res if not htest(r)]
if bad:
    print("no HTEST on:", bad); sys.exit(1)
PY

"$KIOSK" status --config "$CONF" >"$E2E_TMP/status" 2>/dev/null || fail "status"
grep -q "test records (kiosk simulate --record, tagged HTEST): 1, 1 waiting" "$E2E_TMP/status" ||
	fail "status does not show the test record: $(cat "$E2E_TMP/status")"
"$KIOSK" status --json --config "$CONF" 2>/dev/null | grep -q '"test_records": *1' || fail "status --json"

e2e_start k xterm-256color C.UTF-8
wait_for k "Welcome to"
step k F12 "Staff sign-in"
typ k maria; key k Enter; typ k 482913
step k Enter "Staff menu - maria (staff)"
step k 2 "Today's intakes"
shows k "TEST waiting"
step k Escape "Staff menu - maria (staff)"
echo "ok: simulate --record needs --test-into-live-db; its record is tagged HTEST and shown as a test"
