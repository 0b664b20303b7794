#!/bin/bash
# The bundled content (screens/) sorts patients as the clinic's
# contraindication list says: every answers file in tests/content/NAME.yaml is
# run through `kiosk simulate --json` and must give the outcome and the flags
# written in NAME.expect.  Also: `kiosk check screens` finds no errors, every
# flag code defined in screens/ is raised by at least one fixture, and
# `kiosk check --paths` reaches every flag and outcome.
set -u
: "${BUILD:?BUILD must name the folder holding the kiosk binary}"
KIOSK="$BUILD/kiosk"
PY=/usr/bin/python3
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

die() { echo "FAIL: $*" >&2; fail=1; }

# 1. The content is valid: no errors (warnings, such as the example-domain
#    aftercare link, are allowed).
if ! "$KIOSK" check screens >"$tmp/check.out" 2>&1; then
	cat "$tmp/check.out" >&2
	die "kiosk check screens reports errors"
fi
if grep -q ': error:' "$tmp/check.out"; then
	grep ': error:' "$tmp/check.out" >&2
	die "kiosk check screens printed errors"
fi

# 2. Every fixture gives its expected outcome and flags.
n=0
for answers in tests/content/*.yaml; do
	name=$(basename "$answers" .yaml)
	n=$((n + 1))
	if [ ! -f "tests/content/$name.expect" ]; then
		die "$name: no tests/content/$name.expect"
		continue
	fi
	if ! "$KIOSK" simulate --json screens "$answers" >"$tmp/$name.json" 2>"$tmp/err"; then
		cat "$tmp/err" >&2
		die "$name: kiosk simulate failed"
		rm -f "$tmp/$name.json"
	fi
done
[ "$n" -gt 0 ] || die "no fixtures in tests/content"
# One interpreter for all the JSON: NAME.json -> NAME.got, the .expect format.
# Every question a fixture answers must have been shown to that patient, so
# a fixture cannot pass with an answer the flow silently skipped.
"$PY" - "$tmp" <<'PYEOF' || die "simulate output does not match the fixtures (see above)"
import glob, json, os, re, sys
bad = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(path)[:-5]
    try:
        d = json.load(open(path, encoding="utf-8"))
        codes = sorted(f["code"] for f in d["flags"])
        got = "outcome: %s\nflags: %s\n" % (d["outcome"], ",".join(codes))
        shown = set(d["screens"])
    except (ValueError, KeyError, TypeError) as e:
        print("FAIL: %s: bad simulate output (%s)" % (name, e), file=sys.stderr)
        bad = 1
        continue
    with open(os.path.join("tests/content", name + ".yaml"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    asked = [m.group(1) for m in (re.match(r"([a-z0-9_-]+):", l) for l in lines) if m]
    # Choosing a language on the language question switches the intake to it.
    for l in lines:
        m = re.match(r'language: "?([a-z]+)"?$', l)
        if m and d.get("language") != m.group(1):
            print("FAIL: %s: chose language '%s' but the intake ran in '%s'" % (name, m.group(1), d.get("language")),
                  file=sys.stderr)
            bad = 1
    for q in asked:
        if q != "today" and q not in shown:
            print("FAIL: %s: answers '%s', but that question is not shown to this patient" % (name, q),
                  file=sys.stderr)
            bad = 1
    open(path[:-5] + ".got", "w").write(got)
sys.exit(bad)
PYEOF
for expect in tests/content/*.expect; do
	name=$(basename "$expect" .expect)
	[ -f "tests/content/$name.yaml" ] || { die "$name: $expect has no answers file"; continue; }
	[ -f "$tmp/$name.got" ] || continue
	if ! diff -u --label "$name.expect" --label "$name (simulate)" "$expect" "$tmp/$name.got" >&2; then
		die "$name: outcome or flags differ from $expect"
	fi
done

# 3. Every flag code written in the content is covered by a fixture.
codes=$(sed -n 's/^[[:space:]]*-\{0,1\}[[:space:]]*code:[[:space:]]*\([A-Z0-9-]*\).*/\1/p' screens/*.yaml | sort -u)
[ -n "$codes" ] || die "found no flag codes in screens/*.yaml"
for code in $codes; do
	if ! grep -qE "^flags:.*(^|[ ,])$code(,|\$)" tests/content/*.expect; then
		die "flag $code (screens/) is not raised by any fixture in tests/content"
	fi
done

# 4. The path finder reaches every flag and outcome (it exits non-zero when
#    one cannot be reached) and names every code.
if ! "$KIOSK" check --paths screens >"$tmp/paths.out" 2>&1; then
	cat "$tmp/paths.out" >&2
	die "kiosk check --paths screens: some flag or outcome cannot be reached"
fi
for code in $codes; do
	grep -q "^flag $code " "$tmp/paths.out" || die "kiosk check --paths does not list flag $code"
done
for outcome in clear review defer; do
	grep -q "^outcome $outcome:" "$tmp/paths.out" || die "kiosk check --paths does not reach outcome $outcome"
done

if [ "$fail" -ne 0 ]; then
	echo "content_rules: FAILED" >&2
	exit 1
fi
echo "content_rules: $n fixtures, $(echo "$codes" | wc -w) flag codes covered"
