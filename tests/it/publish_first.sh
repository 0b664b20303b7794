#!/bin/bash
# The first `kiosk publish` records what ran before it (kiosk.content), so
# `kiosk publish --rollback` right after it returns there instead of
# saying there is nothing to return to; the history shows readable dates.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
K="$BUILD/kiosk"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

cp -R screens "$t/screens"
printf '[kiosk]\ndatabase = var/kiosk.db\ncontent = screens\npublished = var/content\n' >"$t/kiosk.conf"
"$K" init --config "$t/kiosk.conf" >/dev/null || bad "kiosk init"
version_of() { "$K" check "$1" 2>/dev/null | grep -o 'sha256:[0-9a-f]\{64\}' | head -1; }
v0=$(version_of "$t/screens")
cp -R "$t/screens" "$t/new"
sed -i 's/What is your full name?/What is your full legal name?/' "$t/new/030-name.yaml"
v1=$(version_of "$t/new")
[ -n "$v0" ] && [ -n "$v1" ] && [ "$v0" != "$v1" ] || bad "versions: '$v0' '$v1'"

"$K" publish --config "$t/kiosk.conf" "$t/new" >"$t/out" 2>&1 || bad "publish: $(cat "$t/out")"
[ "$("$K" export-fhir --config "$t/kiosk.conf" | grep -c 'full legal name')" -ge 1 ] && ok "new version in use" ||
	bad "the new version is not in use"
if "$K" publish --config "$t/kiosk.conf" --rollback >"$t/out" 2>&1; then
	ok "rollback after the first publish works"
else
	bad "rollback after the first publish: $(cat "$t/out")"
fi
grep -q "rolled back to $v0" "$t/out" && ok "it names the version that ran before ($v0)" || bad "rollback said: $(cat "$t/out")"
"$K" export-fhir --config "$t/kiosk.conf" | grep -q 'full legal name' && bad "still the new wording" ||
	ok "the wording that ran before is back"
# History: one line per step, a readable local date first.
if awk '{print $1}' "$t/var/content/history" | grep -qvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}$'; then
	bad "history dates: $(cat "$t/var/content/history")"
else
	ok "history dates are readable: $(head -1 "$t/var/content/history" | cut -d' ' -f1-2)"
fi
[ "$(wc -l <"$t/var/content/history")" -eq 3 ] || bad "history has $(wc -l <"$t/var/content/history") lines, want 3"
# Publishing the folder the kiosk already runs records it once.
rm -rf "$t/var/content"
"$K" publish --config "$t/kiosk.conf" "$t/screens" >"$t/out" 2>&1 || bad "publish screens: $(cat "$t/out")"
[ "$(wc -l <"$t/var/content/history")" -eq 1 ] && ok "publishing kiosk.content itself is one step" ||
	bad "history: $(cat "$t/var/content/history")"

# The older layout, assets beside the folder (`assets: ../assets`), still
# checks and publishes with its assets.
mkdir -p "$t/old"
cp -R screens "$t/old/screens"
mv "$t/old/screens/assets" "$t/old/assets"
sed -i 's|^assets: assets|assets: ../assets|' "$t/old/screens/_content.yaml"
"$K" check "$t/old/screens" >"$t/out" 2>&1 && ok "the ../assets layout still checks" || bad "old layout: $(cat "$t/out")"
"$K" publish --config "$t/kiosk.conf" "$t/old/screens" >"$t/out" 2>&1 || bad "publish old layout: $(cat "$t/out")"
"$K" export-fhir --config "$t/kiosk.conf" >/dev/null 2>"$t/out" && ok "the ../assets layout publishes" ||
	bad "published old layout does not load: $(cat "$t/out")"
# A copy of the content folder anywhere is complete: checked without
# anything beside it, and a missing aftercare file names the path tried.
cp -R screens "$t/elsewhere"
"$K" check "$t/elsewhere" >"$t/out" 2>&1 && ok "a copy of screens/ alone checks" || bad "copy: $(cat "$t/out")"
rm "$t/elsewhere/assets/aftercare.es.txt"
"$K" check "$t/elsewhere" >"$t/out" 2>&1
grep -q "cannot read $t/elsewhere/assets/aftercare.es.txt: no such file" "$t/out" &&
	ok "a missing aftercare file names the path tried" || bad "missing aftercare: $(cat "$t/out")"
exit $fail
