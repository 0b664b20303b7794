#!/bin/bash
# The lines a patient reads under the outcome are shown in a public lobby:
# none may name a condition, a medicine, a procedure or a diagnosis.  Every
# answers file in tests/content/ is run through `kiosk simulate --json` in
# English and again in Spanish (its language answer switched), and each
# flag's patient line is checked against a list of words that would tell
# the room why the patient was flagged.
set -u
: "${BUILD:?BUILD must name the folder holding the kiosk binary}"
KIOSK="$BUILD/kiosk"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for answers in tests/content/*.yaml; do
	name=$(basename "$answers" .yaml)
	for lang in en es; do
		sed "s/^language: .*/language: \"$lang\"/" "$answers" >"$tmp/a.yaml"
		if ! "$KIOSK" simulate --json screens "$tmp/a.yaml" >"$tmp/$name.$lang.json" 2>"$tmp/err"; then
			echo "FAIL: $name ($lang): kiosk simulate failed" >&2
			cat "$tmp/err" >&2
			fail=1
		fi
		n=$((n + 1))
	done
done
/usr/bin/python3 - "$tmp" <<'PY' || fail=1
import glob, json, os, re, sys
words = {
    "en": r"pregnan|breastfeed|nursing|baby|infect|cold sore|herpes|pimple|acne|wound|sunburn|\btan\b|"
          r"eczema|psoriasis|rosacea|\bmole|keloid|scar|vitiligo|dark mark|melasma|cancer|chemo|radiation|"
          r"diabet|lupus|immune|\bhiv\b|transplant|bleed|clot|blood thinner|aspirin|isotretinoin|accutane|"
          r"botox|filler|\bpeel|laser|surgery|retin|numbing|nickel|metal|gold thread|allerg|under 18|fish oil|vitamin",
    "es": r"embaraz|lactancia|dar pecho|beb[eé]|infecci|herpes|granos|acn[eé]|herida|quemadura|bronce|"
          r"eccema|psoriasis|ros[aá]cea|lunar|queloide|cicatriz|vit[ií]ligo|manchas|melasma|c[aá]ncer|quimio|"
          r"radioterapia|diabetes|lupus|defensas|\bvih\b|trasplante|sangr|co[aá]gulo|anticoagulante|aspirina|"
          r"isotretino|b[oó]tox|relleno|peeling|l[aá]ser|cirug[ií]a|retino|adormecer|n[ií]quel|metal|hilos de oro|"
          r"alergia|18 a[nñ]os|omega|vitamina",
}
bad = 0
seen = set()
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    lang = path.rsplit(".", 2)[1]
    for f in json.load(open(path, encoding="utf-8"))["flags"]:
        p = f.get("patient") or ""
        if (f["code"], lang) in seen:
            continue
        seen.add((f["code"], lang))
        m = re.search(words[lang], p, re.I)
        if m:
            print("FAIL: %s (%s) tells the lobby '%s': %s" % (f["code"], lang, m.group(0), p), file=sys.stderr)
            bad = 1
print("patient_lines: %d flag lines checked" % len(seen))
sys.exit(bad)
PY
[ "$fail" -eq 0 ] || { echo "patient_lines: FAILED" >&2; exit 1; }
