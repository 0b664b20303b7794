#!/bin/bash
# A content file whose path inside the new version would be longer than
# the system allows (an assets folder nested deep, kiosk.published deep
# too) is refused with a message naming it: `kiosk publish` must not
# crash, and the version in use stays.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
K="$BUILD/kiosk"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

seg() { printf "$1%.0s" $(seq 1 200); }
cp -R screens "$t/s"
rel=$(for i in $(seq 1 11); do printf '%s/' "$(seg b)"; done)
rel=${rel%/}
mkdir -p "$t/s/$rel"
cp "$t/s/assets/"*.txt "$t/s/$rel/"
sed -i "s|^assets:.*|assets: $rel|" "$t/s/_content.yaml"
grep -q "^assets: $rel" "$t/s/_content.yaml" || bad "the fixture has no assets line to change"
"$K" check "$t/s" >"$t/out" 2>&1 || bad "the content is not valid: $(tail -1 "$t/out")"
# kiosk.published relative to a config file in a deep folder.
deep=$t/$(for i in $(seq 1 9); do printf '%s/' "$(seg p)"; done)
mkdir -p "$deep"
printf '[kiosk]\ndatabase = %s/kiosk.db\ncontent = %s/s\npublished = pub\n' "$t" "$t" >"$deep/kiosk.conf"
"$K" init --config "$deep/kiosk.conf" >/dev/null || bad "kiosk init"

rc=0
"$K" publish --config "$deep/kiosk.conf" "$t/s" >"$t/out" 2>&1 || rc=$?
if [ $rc -eq 2 ] && grep -q "path too long" "$t/out"; then
	ok "a path too long to publish is refused"
else
	bad "publish: exit $rc: $(tail -2 "$t/out" | cut -c1-200)"
fi
[ -z "$(ls -A "$deep/pub/versions" 2>/dev/null | grep '^\.tmp')" ] && ok "no half-built version left" ||
	bad "a temporary version folder was left behind"
exit $fail
