#!/bin/bash
# Records made by the real kiosk (kiosk simulate --record on the bundled
# content) and its Questionnaire (kiosk export-fhir, queued the way the
# kiosk queues it) reach the server: each document validates as FHIR R4,
# each answer fits the uploaded Questionnaire, every resource once, one
# Patient per person (sync.patient = match, the default) that every
# resource of the intake points at.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf "kiosk.content=$ROOT/screens"
server_start "$PORT" --check-answers
mkdir -p "$T/var"
"$BUILD/kiosk" export-fhir --config "$T/kiosk.conf" >"$T/q.json" || fail "export-fhir failed"
"$T/fill_outbox" "$T/var/kiosk.db" --meta questionnaire.pending "$T/q.json"
for f in all-clear pregnant many-flags spanish isotretinoin-now; do
	"$BUILD/kiosk" simulate --record --test-into-live-db --config "$T/kiosk.conf" "tests/content/$f.yaml" >>"$T/sessions" ||
		fail "kiosk simulate --record $f failed"
done
[ "$(wc -l <"$T/sessions")" -eq 5 ] || fail "expected 5 recorded intakes"
# What the kiosk queued: every "Type/id" its bundles PUT, and for each
# response the search that finds its patient (sync.patient = match).
sqlite3 "$T/var/kiosk.db" "SELECT bundle FROM outbox" | $PY -c '
import json, sys
for line in sys.stdin:
    for e in json.loads(line)["entry"]:
        if e["request"]["method"] == "PUT":
            print(e["request"]["url"])' | sort >"$T/expected"
[ -s "$T/expected" ] || fail "no queued bundles"
sqlite3 "$T/var/kiosk.db" "SELECT bundle FROM outbox" >"$T/bundles"

sync_once
[ "$RC" -eq 0 ] || fail "kiosk records: exit $RC, expected 0"
dump >"$T/held.json"
$PY - "$T/held.json" "$T/expected" "$T/q.json" "$T/bundles" <<'PYEOF' || fail "the server does not hold what the kiosk queued"
import json, sys, urllib.parse
held = json.load(open(sys.argv[1]))
res = held["resources"]
want = set(open(sys.argv[2]).read().split())
q = json.load(open(sys.argv[3]))
bad = [u for u in want if u not in res]
bad += ["%s written %d times" % (u, r["writes"]) for u, r in res.items() if r["writes"] != 1]
extra = set(res) - want - {"Questionnaire/microneedling-intake"}
bad += ["unexpected %s" % u for u in extra if not u.startswith("Patient/")]
# One Patient per person (the same name and birth date is one person), and
# every resource of an intake points at that person's Patient.
people = {}
for line in open(sys.argv[4]):
    b = json.loads(line)
    match = dict(urllib.parse.parse_qsl(b["entry"][0]["request"]["ifNoneExist"]))
    key = (match["family:exact"], match["given:exact"], match["birthdate"])
    for e in b["entry"][1:]:
        people.setdefault(key, set()).add(e["request"]["url"])
pats = {u: r["resource"] for u, r in res.items() if u.startswith("Patient/")}
if len(pats) != len(people):
    bad.append("%d Patients for %d people" % (len(pats), len(people)))
for (fam, giv, dob), urls in people.items():
    for u in urls:
        r = res.get(u, {}).get("resource", {})
        ref = (r.get("subject") or r.get("patient") or {}).get("reference", "")
        p = pats.get(ref, {})
        n = (p.get("name") or [{}])[0]
        if (n.get("family"), (n.get("given") or [None])[0], p.get("birthDate")) != (fam, giv, dob):
            bad.append("%s points at %r, not the patient's record" % (u, ref))
qr = [r["resource"] for u, r in res.items() if u.startswith("QuestionnaireResponse/")]
if len(qr) != 5:
    bad.append("%d QuestionnaireResponses, expected 5" % len(qr))
bad += ["response names %s" % r["questionnaire"] for r in qr
        if r["questionnaire"] != "%s|%s" % (q["url"], q["version"])]
up = res.get("Questionnaire/microneedling-intake")
if not up or up["resource"]["version"] != q["version"]:
    bad.append("the Questionnaire was not uploaded")
if held["rejected"]:
    bad.append("rejected: %s" % held["rejected"])
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PYEOF
# The kiosk sees the upload (and queues the Questionnaire again only when
# its content version changes).
[ "$("$T/fill_outbox" "$T/var/kiosk.db" --get questionnaire.uploaded)" = "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$T/q.json")" ] ||
	fail "questionnaire.uploaded does not name the content version"
[ -z "$("$T/fill_outbox" "$T/var/kiosk.db" --get questionnaire.pending)" ] ||
	fail "questionnaire.pending was not cleared"
echo "ok"
