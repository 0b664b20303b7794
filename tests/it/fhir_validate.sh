#!/bin/bash
# FHIR R4 output validates against the official definitions:
#  - `kiosk export-fhir screens` (the Questionnaire),
#  - the transaction Bundle of every answers fixture in tests/content/
#    (`kiosk simulate --bundle`), checked against that Questionnaire too,
#  - and the validator itself rejects deliberately broken resources, so a
#    pass means something.
set -euo pipefail
: "${BUILD:?BUILD must name the folder of the binaries}"
sh tests/tools/fhir-deps.sh
V=tests/tools/fhir-validate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$BUILD/kiosk" export-fhir screens >"$tmp/q.json"
$V "$tmp/q.json"

# The same content exported twice is the same document.
"$BUILD/kiosk" export-fhir screens | cmp - "$tmp/q.json"

n=0
for f in tests/content/*.yaml; do
	b="$tmp/$(basename "$f" .yaml).bundle.json"
	"$BUILD/kiosk" simulate --bundle screens "$f" >"$b"
	n=$((n + 1))
done
[ "$n" -gt 0 ]
$V --questionnaire "$tmp/q.json" "$tmp"/*.bundle.json >"$tmp/out" || { cat "$tmp/out"; exit 1; }
echo "$n bundles valid"

# Each record says what the engine decided: the outcome tag and one
# DetectedIssue per flag of the fixture's .expect (severity high = defer).
/usr/bin/python3 - "$tmp" tests/content <<'PY'
import glob, json, os, sys
tmp, fixtures = sys.argv[1:3]
bad = 0
for exp in sorted(glob.glob(os.path.join(fixtures, "*.expect"))):
    name = os.path.basename(exp)[:-len(".expect")]
    want = dict(l.split(":", 1) for l in open(exp).read().splitlines() if ":" in l)
    b = json.load(open(os.path.join(tmp, name + ".bundle.json")))
    res = [e["resource"] for e in b["entry"]]
    qr = next(r for r in res if r["resourceType"] == "QuestionnaireResponse")
    outcome = qr["meta"]["tag"][0]["code"]
    issues = [r for r in res if r["resourceType"] == "DetectedIssue"]
    codes = sorted(i["code"]["coding"][0]["code"] for i in issues)
    flags = sorted(x for x in want["flags"].strip().split(",") if x)
    high = any(i["severity"] == "high" for i in issues)
    if outcome != want["outcome"].strip() or codes != flags or high != (outcome == "defer"):
        print("%s: record says %s %s, expected %s %s" % (name, outcome, codes, want["outcome"].strip(), flags))
        bad += 1
sys.exit(1 if bad else 0)
PY

# A resend of the same intake yields the same resource ids (the times in
# the record are the clock's, so only the ids are compared).
f=tests/content/many-flags.yaml
ids() { grep -o 'urn:uuid:[0-9a-f-]*' "$1" | sort; }
"$BUILD/kiosk" simulate --bundle screens "$f" >"$tmp/again.json"
ids "$tmp/again.json" >"$tmp/ids.again"
ids "$tmp/many-flags.bundle.json" >"$tmp/ids.first"
cmp "$tmp/ids.again" "$tmp/ids.first"
[ "$(wc -l <"$tmp/ids.first")" -ge 4 ]

# Skip logic FHIR's enableWhen cannot say (date windows, ages, "not
# chosen" on a multi, any-of) exports as SDC FHIRPath expressions that
# validate too: the bundled content with two extra screens.
cp -R screens "$tmp/"
cat >"$tmp/screens/545-fhir-extra.yaml" <<'YAML'
id: fhir_extra_recent
kind: text
required: false
when:
  any:
    - {question: isotretinoin_stop, within: 6m}
    - {question: dob, age_under: 18}
    - {question: pregnancy, unsure: true}
title: {en: "More", es: "Más"}
text: {en: "Tell us more.", es: "Cuéntenos más."}
YAML
cat >"$tmp/screens/546-fhir-extra.yaml" <<'YAML'
id: fhir_extra_count
kind: number
min: 0
max: 20
when:
  - {question: health, not_equals: diabetes}
  - {question: dob, older_than: 18y}
  - {question: isotretinoin_status, answered: true}
title: {en: "Count", es: "Número"}
text: {en: "How many?", es: "¿Cuántos?"}
YAML
"$BUILD/kiosk" export-fhir "$tmp/screens" >"$tmp/q-extra.json"
grep -q 'sdc-questionnaire-enableWhenExpression' "$tmp/q-extra.json"
grep -q "today() - 6 months" "$tmp/q-extra.json"
$V "$tmp/q-extra.json"

# ...and HL7's FHIRPath engine evaluates them as docs/content.md defines
# the conditions: "within 6m" excludes the future, "age_under 18" is false
# on the 18th birthday, "older_than 18y" includes it, "not_equals" on a
# multi means "not chosen" and needs an answer.
A='"answers"'
cat >"$tmp/cases.json" <<JSON
[
 {"item": "fhir_extra_recent", $A: {"isotretinoin_stop": [{"valueDate": "today-3m"}], "dob": [{"valueDate": "1990-01-01"}]}, "expect": true},
 {"item": "fhir_extra_recent", $A: {"isotretinoin_stop": [{"valueDate": "today-9m"}], "dob": [{"valueDate": "1990-01-01"}]}, "expect": false},
 {"item": "fhir_extra_recent", $A: {"isotretinoin_stop": [{"valueDate": "today+1d"}]}, "expect": false},
 {"item": "fhir_extra_recent", $A: {"dob": [{"valueDate": "today-17y"}]}, "expect": true},
 {"item": "fhir_extra_recent", $A: {"pregnancy": [{"valueCoding": {"code": "none"}}, {"valueCoding": {"code": "unsure"}}]}, "expect": true},
 {"item": "fhir_extra_recent", $A: {"pregnancy": [{"valueCoding": {"code": "none"}}]}, "expect": false},
 {"item": "fhir_extra_recent", $A: {}, "expect": false},
 {"item": "fhir_extra_count", $A: {"health": [{"valueCoding": {"code": "none"}}], "dob": [{"valueDate": "1990-01-01"}], "isotretinoin_status": [{"valueCoding": {"code": "now"}}]}, "expect": true},
 {"item": "fhir_extra_count", $A: {"health": [{"valueCoding": {"code": "cancer"}}, {"valueCoding": {"code": "diabetes"}}], "dob": [{"valueDate": "1990-01-01"}], "isotretinoin_status": [{"valueCoding": {"code": "now"}}]}, "expect": false},
 {"item": "fhir_extra_count", $A: {"dob": [{"valueDate": "1990-01-01"}], "isotretinoin_status": [{"valueCoding": {"code": "now"}}]}, "expect": false},
 {"item": "fhir_extra_count", $A: {"health": [{"valueCoding": {"code": "none"}}], "dob": [{"valueDate": "today-17y"}], "isotretinoin_status": [{"valueCoding": {"code": "now"}}]}, "expect": false}
]
JSON
# The edges, except on month ends (where JavaScript's month arithmetic
# overflows but the calendar rule clamps to the last day).
if [ "$(date +%d)" -le 28 ]; then
	/usr/bin/python3 - "$tmp/cases.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.append({"item": "fhir_extra_recent", "answers": {"dob": [{"valueDate": "today-18y"}]}, "expect": False})
c.append({"item": "fhir_extra_count", "answers": {"health": [{"valueCoding": {"code": "none"}}],
          "dob": [{"valueDate": "today-18y"}], "isotretinoin_status": [{"valueCoding": {"code": "now"}}]},
          "expect": True})
c.append({"item": "fhir_extra_recent", "answers": {"isotretinoin_stop": [{"valueDate": "today-6m"}]},
          "expect": False})
json.dump(c, open(sys.argv[1], "w"))
PY
fi
tests/tools/fhirpath-eval "$tmp/q-extra.json" "$tmp/cases.json"
# The evaluator tells a wrong expectation apart (flip the first case).
sed '0,/"expect": true/s//"expect": false/' "$tmp/cases.json" >"$tmp/cases-wrong.json"
if tests/tools/fhirpath-eval "$tmp/q-extra.json" "$tmp/cases-wrong.json" >/dev/null; then
	echo "fhirpath-eval accepted a wrong expectation"; exit 1
fi

# Negative tests: each mutation of a valid bundle or questionnaire must be
# rejected, with the JSON path of the fault in the message.
/usr/bin/python3 - "$tmp" "$tmp/many-flags.bundle.json" "$tmp/q.json" <<'PY'
import copy, json, sys
tmp, bfile, qfile = sys.argv[1:4]
b = json.load(open(bfile))
q = json.load(open(qfile))

def entry(doc, rt):
    return next(e for e in doc["entry"] if e["resource"]["resourceType"] == rt)

def qr_coded_item(doc):
    qr = entry(doc, "QuestionnaireResponse")["resource"]
    return next(i for i in qr["item"] if "valueCoding" in i["answer"][0])

cases = {
    # schema: unknown element, wrong JSON type, bad id, bad enum
    "unknown-element": (b, lambda d: entry(d, "Patient")["resource"].__setitem__("nickname", "x"),
                        "$.entry[0].resource"),
    "integer-as-string": (b, lambda d: entry(d, "Patient")["resource"].__setitem__("multipleBirthInteger", "2"),
                          "multipleBirthInteger"),
    "bad-id": (b, lambda d: entry(d, "Patient")["resource"].__setitem__("id", "no_underscores"), ".id"),
    # required binding from the ValueSets
    "qr-status": (b, lambda d: entry(d, "QuestionnaireResponse")["resource"].__setitem__("status", "done"),
                  ".status"),
    "telecom-system": (b, lambda d: entry(d, "Patient")["resource"]["telecom"][0].__setitem__("system", "mobile"),
                       "telecom[0].system"),
    "issue-status": (b, lambda d: entry(d, "DetectedIssue")["resource"].__setitem__("status", "done"),
                     ".status"),
    "q-operator": (q, lambda d: next(i for i in d["item"] if "enableWhen" in i)["enableWhen"][0]
                   .__setitem__("operator", "~"), "operator"),
    # calendar dates
    "feb-31": (b, lambda d: entry(d, "Patient")["resource"].__setitem__("birthDate", "1990-02-31"), "birthDate"),
    # ele-1
    "empty-array": (b, lambda d: entry(d, "Patient")["resource"].__setitem__("name", []), ".name"),
    # kiosk record rules
    "not-transaction": (b, lambda d: d.__setitem__("type", "batch"), "$.type"),
    "post": (b, lambda d: d["entry"][1]["request"].__setitem__("method", "POST"), "request.method"),
    "url-mismatch": (b, lambda d: d["entry"][1]["request"].__setitem__("url", "QuestionnaireResponse/other"),
                     "request.url"),
    "patient-id": (b, lambda d: entry(d, "Patient")["resource"].__setitem__("id", "p1"), ".resource.id"),
    "match-query": (b, lambda d: d["entry"][0]["request"].__setitem__("ifNoneExist", "name=Test"),
                    "ifNoneExist"),
    "dangling-urn": (b, lambda d: entry(d, "DetectedIssue")["resource"]["patient"].__setitem__(
        "reference", "urn:uuid:00000000-0000-4000-8000-00000000000f"), "patient.reference"),
    "dangling-ref": (b, lambda d: entry(d, "QuestionnaireResponse")["resource"]["subject"].__setitem__(
        "reference", "Patient/missing"), "subject.reference"),
    # response against the questionnaire
    "unknown-option": (b, lambda d: qr_coded_item(d)["answer"][0]["valueCoding"].__setitem__("code", "nope"),
                       "valueCoding"),
    "unknown-linkid": (b, lambda d: qr_coded_item(d).__setitem__("linkId", "nope"), "linkId"),
    # questionnaire rules
    "q-item-type": (q, lambda d: d["item"][1].__setitem__("type", "choise"), "$.item[1].type"),
    "q-enablewhen-target": (q, lambda d: next(i for i in d["item"] if "enableWhen" in i)["enableWhen"][0]
                            .__setitem__("question", "nope"), "enableWhen[0].question"),
    "q-answer-not-option": (q, lambda d: next(w for i in d["item"] for w in i.get("enableWhen", [])
                                              if "answerCoding" in w)["answerCoding"].__setitem__("code", "nope"),
                            "answerCoding"),
    "q-behavior": (q, lambda d: (lambda i: i["enableWhen"].append(dict(i["enableWhen"][0])))(
        next(i for i in d["item"] if "enableWhen" in i)), "que-12"),
    "q-linkid-dup": (q, lambda d: d["item"][2].__setitem__("linkId", d["item"][1]["linkId"]), "linkId"),
    "q-display-required": (q, lambda d: d["item"][0].__setitem__("required", True), "$.item[0]"),
}
for name, (doc, mutate, where) in cases.items():
    d = copy.deepcopy(doc)
    mutate(d)
    with open("%s/neg-%s.json" % (tmp, name), "w") as f:
        json.dump(d, f)
    with open("%s/neg-%s.where" % (tmp, name), "w") as f:
        f.write(where)
PY
bad=0
$V --questionnaire "$tmp/q.json" "$tmp"/neg-*.json >"$tmp/neg.out" && true
for f in "$tmp"/neg-*.json; do
	where=$(cat "${f%.json}.where")
	if grep -qF -- "$f: ok" "$tmp/neg.out"; then
		echo "validator accepted the broken $(basename "$f")"; bad=1
	elif ! grep -F -- "$f: " "$tmp/neg.out" | grep -qF -- "$where"; then
		echo "validator rejected $(basename "$f") but not at $where:"
		grep -F -- "$f: " "$tmp/neg.out"; bad=1
	fi
done
[ "$bad" -eq 0 ]
sed "s|$tmp/||" "$tmp/neg.out"
echo "$(ls "$tmp"/neg-*.json | wc -l) broken documents rejected"
