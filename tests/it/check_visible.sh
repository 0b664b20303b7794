#!/bin/bash
# The outcome screen is read in a public lobby: a flag's patient line is
# shown only where the content says patient_visible: true, and `kiosk
# check` warns when such a line names the condition (shares a word with
# the staff message or the answer that raises the flag).  The bundled
# content marks only instructions ("keep taking your medicines") and draws
# no such warning.
set -u
: "${BUILD:?BUILD must name the folder holding the kiosk binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

out=$("$BUILD/kiosk" check screens 2>&1) || { echo "bundled content refused:"; echo "$out"; exit 1; }
if echo "$out" | grep -q "patient_visible"; then echo "bundled content reveals a condition:"; echo "$out"; fail=1; fi

cp -R screens "$work/s"
cp -R assets "$work/assets"
# Pregnancy's line made visible and reworded to name the condition.
python3 - "$work/s/100-pregnancy.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = s.replace('      en: "This treatment needs to wait for now. Our staff will help you plan when it can be done."',
              '      en: "Because you are pregnant, this treatment needs to wait."', 1)
s = re.sub(r'(    patient:\n      en: "Because you are pregnant[^\n]*\n      es: "[^"]*"\n)', r'\1    patient_visible: true\n', s, 1)
open(p, "w").write(s)
PY
out=$("$BUILD/kiosk" check "$work/s" 2>&1)
echo "$out" | grep -q "100-pregnancy.yaml:.*warning: flag 'PREGNANT' is patient_visible but its en patient line says 'pregnant'" ||
	{ echo "no warning for a visible line naming the condition:"; echo "$out"; fail=1; }
sed -i 's/patient_visible: true/patient_visible: maybe/' "$work/s/100-pregnancy.yaml"
out=$("$BUILD/kiosk" check "$work/s" 2>&1)
echo "$out" | grep -q "patient_visible must be true or false, not 'maybe'" || { echo "bad value accepted:"; echo "$out"; fail=1; }
[ $fail = 0 ] && echo "ok: patient_visible checked"
exit $fail
