#!/bin/bash
# The bundled content words its questions so that a patient answering what
# the words suggest lands on the right line (issue: "questions that get the
# right answer").  Read from the exported Questionnaire, in English and in
# Spanish, the way the patient reads them:
#  - anticoagulants are named by generic and brand name, and aspirin,
#    clopidogrel and NSAIDs sit on their own line, not the anticoagulant's;
#  - supplements say "high dose", and a multivitamin or prenatal vitamin is
#    said not to count;
#  - a bleeding disorder is asked apart from a past blood clot;
#  - the recent-tan line excludes a sunburn;
#  - isotretinoin is named by the brands patients know in each language;
#  - the pregnancy question offers "does not apply to me";
#  - every date but the date of birth comes after a choice that offers
#    "I don't remember", and no help text asks for a guessed date.
set -u
: "${BUILD:?BUILD must name the folder holding the kiosk binary}"
"$BUILD/kiosk" export-fhir screens | /usr/bin/python3 -c '
import json, re, sys
q = json.load(sys.stdin)
items = {}
def walk(xs):
    for it in xs:
        items[it["linkId"]] = it
        walk(it.get("item", []))
walk(q["item"])

def texts(el, key):
    out = {"en": el.get(key, "")}
    for ext in el.get("_" + key, {}).get("extension", []):
        parts = {e["url"]: e.get("valueCode", e.get("valueString")) for e in ext["extension"]}
        out[parts["lang"]] = parts["content"]
    return out

def option(q_id, code):
    for o in items[q_id]["answerOption"]:
        if o["valueCoding"]["code"] == code:
            return texts(o["valueCoding"], "display")
    return None

bad = []
def need(where, lang, text, must=(), must_not=()):
    for w in must:
        if not re.search(w, text, re.I):
            bad.append("%s (%s) does not say %r: %s" % (where, lang, w, text))
    for w in must_not:
        if re.search(w, text, re.I):
            bad.append("%s (%s) must not say %r: %s" % (where, lang, w, text))

RULES = [
    ("medicines", "anticoagulant",
     {"en": ["warfarin", "Coumadin", "apixaban", "Eliquis", "rivaroxaban", "Xarelto", "dabigatran", "Pradaxa", "heparin"],
      "es": ["warfarina", "Coumadin", "apixab", "Eliquis", "rivaroxab", "Xarelto", "dabigatr", "Pradaxa", "heparina"]},
     {"en": ["aspirin", "Plavix", "ibuprofen", "naproxen", "fish oil", "vitamin"],
      "es": ["aspirina", "Plavix", "ibuprofeno", "naproxeno", "omega", "vitamina"]}),
    ("medicines", "antiplatelet",
     {"en": ["aspirin", "clopidogrel", "Plavix", "ibuprofen", "naproxen"],
      "es": ["aspirina", "clopidogrel", "Plavix", "ibuprofeno", "naproxeno"]},
     {"en": ["fish oil", "vitamin"], "es": ["omega", "vitamina"]}),
    ("medicines", "supplements",
     {"en": ["high-dose", "fish oil", "vitamin E"], "es": ["dosis alta", "omega 3", "vitamina E"]}, {}),
    ("medicines", "isotretinoin",
     {"en": ["isotretinoin", "Accutane", "Absorica", "Claravis"],
      "es": ["isotretino", "Roaccutan", "Accutane", "Absorica", "Claravis"]}, {}),
    ("health", "bleeding",
     {"en": ["hemophilia", "von Willebrand", "platelets"], "es": ["hemofilia", "von Willebrand", "plaquetas"]},
     {"en": ["clot"], "es": ["coágulo"]}),
    ("health", "clot", {"en": ["blood clot"], "es": ["coágulo"]}, {"en": ["bleed"], "es": ["sangrado"]}),
    ("skin_today", "tan", {"en": ["no sunburn"], "es": ["sin quemar"]}, {}),
    ("pregnancy", "none", {"en": ["does not apply to me"], "es": ["no es para mí"]}, {}),
]
for q_id, code, must, must_not in RULES:
    o = option(q_id, code)
    if o is None:
        bad.append("%s has no option %s" % (q_id, code))
        continue
    for lang in ("en", "es"):
        need("%s/%s" % (q_id, code), lang, o.get(lang, ""), must.get(lang, []), must_not.get(lang, []))
help = texts(items["medicines.help"], "text")
need("medicines help", "en", help["en"], ["multivitamin", "prenatal"])
need("medicines help", "es", help["es"], ["multivitam", "prenatal"])

# Dates: each (but the date of birth) is enabled by a choice that offers an
# "unsure" option, and no text asks for a guessed day.
for it in items.values():
    for lang, t in texts(it, "text").items():
        need(it["linkId"], lang, t, [], ["latest day it could", "más reciente que pudo"])
    if it.get("type") != "date" or it["linkId"] == "dob":
        continue
    gates = [items.get(e["question"]) for e in it.get("enableWhen", [])]
    if not any(g and g.get("type") == "choice" and
               any(o["valueCoding"]["code"] == "unsure" for o in g.get("answerOption", []))
               for g in gates):
        bad.append("%s: a date with no \"I don'"'"'t remember\" choice before it" % it["linkId"])
for b in bad:
    print("FAIL: " + b, file=sys.stderr)
print("content_wording: %d problem(s)" % len(bad))
sys.exit(1 if bad else 0)
'
