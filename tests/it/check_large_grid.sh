#!/bin/bash
# `kiosk check` fits every question screen to the larger-text grid of
# kiosk.conf (display.large_grid) as it fits them to 80x24: the bundled
# content fits the default 120x33 (1920x1080 with a 32x16 font); on a
# smaller grid the screens that would not fit are named, with file:line,
# and the check fails; a grid that is not COLSxLINES is refused.
set -u
kiosk="$BUILD/kiosk"
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

out=$("$kiosk" check screens 2>&1) || { echo "bundled content refused at the default grid:"; echo "$out"; exit 1; }

# 1024x768 with a 32x16 font leaves 64x24: the medicines screen's long
# options need more lines than that.
printf '[display]\nlarge_grid = 64x24\n' > "$work/small.conf"
if "$kiosk" check --config "$work/small.conf" screens > "$work/out" 2>&1; then
	echo "content accepted on a grid it does not fit:"; cat "$work/out"; fail=1
fi
grep -q "^screens/400-medicines.yaml:[0-9]*:[0-9]*: error: screen 'medicines' (es) needs [0-9]* lines but the larger-text screen (64x24, display.large_grid) has room for 19" "$work/out" ||
	{ echo "no grid error for the medicines screen:"; cat "$work/out"; fail=1; }
# The 80x24 check itself still passes: only the grid check names it.
if grep -q "an 80x24 screen" "$work/out"; then
	echo "80x24 errors on content that fits 80x24:"; cat "$work/out"; fail=1
fi

# kiosk publish refuses what kiosk check refuses, the grid included.
mkdir -p "$work/pub"
printf '[kiosk]\ndatabase = %s/k.db\npublished = %s/pub\n[display]\nlarge_grid = 64x24\n' "$work" "$work" > "$work/pub.conf"
if "$kiosk" publish --config "$work/pub.conf" screens > "$work/out" 2>&1; then
	echo "publish accepted content that does not fit the grid"; fail=1
fi
grep -q "screen 'medicines' (en) needs .* larger-text screen (64x24" "$work/out" || { echo "publish message:"; cat "$work/out"; fail=1; }
[ -e "$work/pub/current" ] && { echo "something was published"; fail=1; }

printf '[display]\nlarge_grid = 120 by 33\n' > "$work/bad.conf"
if "$kiosk" check --config "$work/bad.conf" > "$work/out" 2>&1; then
	echo "bad grid accepted"; fail=1
fi
grep -q "bad.conf:2: display.large_grid: '120 by 33' is not COLSxLINES" "$work/out" || { echo "grid message:"; cat "$work/out"; fail=1; }

[ $fail -eq 0 ] && echo "ok: kiosk check fits the content to the larger-text grid"
exit $fail
