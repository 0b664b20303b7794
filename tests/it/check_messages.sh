#!/bin/bash
# `kiosk check` says the truth about a content folder: a yes/no question
# that feeds a rule without "not sure" is warned about (unless the screen
# says why); so is a staff message too long for the staff screen; the
# did-you-mean picks the real id; a file over the size limit, a folder
# that does not exist and a content path relative to the config are named
# once, with the reason.  (Empty files, tabs and three broken files in one
# run are fixtures in tests/fixtures/broken, run by check_fixtures.sh.)
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
K="$BUILD/kiosk"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
expect() { # WHAT PATTERN: the last check output holds PATTERN
	grep -qF -- "$2" "$t/out" && ok "$1" || { bad "$1: no '$2' in:"; sed 's/^/    /' "$t/out"; }
}

# 1. A safety yes/no question without "not sure".
cp -R screens "$t/c"
sed -i '/^not_sure: true/d' "$t/c/320-cancer-now.yaml"
"$K" check "$t/c" >"$t/out" 2>&1
expect "yes/no feeding a rule without not sure is warned" \
	"warning: 'cancer_now' feeds a rule but offers no \"not sure\""
printf 'not_sure_reason: a patient knows whether they are treated for cancer now\n' >>"$t/c/320-cancer-now.yaml"
"$K" check "$t/c" >"$t/out" 2>&1
grep -q "cancer_now' feeds a rule" "$t/out" && bad "not_sure_reason does not silence the warning" ||
	ok "not_sure_reason says why"

# 2. A staff message longer than the staff screen shows at a glance.
cp -R screens "$t/d"
long=$(printf 'word %.0s' $(seq 1 70))
sed -i "0,/^    staff: >-\$/s//    staff: >-\n      $long/" "$t/d/100-pregnancy.yaml"
"$K" check "$t/d" >"$t/out" 2>&1
expect "a long staff message is warned" "warning: the staff message of PREGNANT is"
expect "... with the limit" "characters: staff read it between patients on an 80-column screen; keep it under 300"

# 3. Did-you-mean: the real id, and nothing when nothing is close.
cp -R screens "$t/e"
sed -i 's/question: isotretinoin_status/question: isotretinoin_stop_date/' "$t/e/415-isotretinoin-stop-known.yaml"
"$K" check "$t/e" >"$t/out" 2>&1
expect "did-you-mean picks the real question" \
	"unknown question 'isotretinoin_stop_date' (did you mean 'isotretinoin_stop'?)"
cp -R screens "$t/f"
sed -i 's/^title:/next:/' "$t/f/010-welcome.yaml"
"$K" check "$t/f" >"$t/out" 2>&1
expect "no suggestion when nothing is close, the keys listed instead" "unknown key 'next' in a screen (it may have: id, kind, title,"
cp -R screens "$t/g"
sed -i 's/question: isotretinoin_status, equals: stopped/question: isotretinoin_status, equals: halted/' \
	"$t/g/415-isotretinoin-stop-known.yaml"
"$K" check "$t/g" >"$t/out" 2>&1
expect "an unknown option lists the options" \
	"'isotretinoin_status' has no option 'halted' (its options: now, stopped, unsure)"

# 4. A file over the size limit, a folder that does not exist.
cp -R screens "$t/h"
head -c 5000000 /dev/zero | tr '\0' '#' >"$t/h/015-huge.yaml"
"$K" check "$t/h" >"$t/out" 2>&1
expect "a file over the limit says so" "015-huge.yaml: error: cannot read file: is larger than 4 MiB"
"$K" check /nonexistent >"$t/out" 2>&1
expect "a missing folder is named once" "/nonexistent: error: cannot open the content folder: No such file or directory"
grep -q "/nonexistent//nonexistent\|/nonexistent/nonexistent" "$t/out" && bad "doubled path: $(cat "$t/out")"
printf '[kiosk]\ndatabase = var/kiosk.db\ncontent = screens\n' >"$t/kiosk.conf"
(cd "$t" && "$K" check) >"$t/out" 2>&1
expect "a relative content folder is named once" "./screens: error: cannot open the content folder"
grep -q "screens/./screens" "$t/out" && bad "doubled path: $(cat "$t/out")"
exit $fail
