#!/bin/bash
# `kiosk check` on broken content: each folder in tests/fixtures/broken
# holds files that replace (or a `remove` list that deletes) files of the
# valid tests/fixtures/mini content, and `expect`: the exact diagnostics,
# with DIR for the content folder.  The check must fail with exit 1 and
# print exactly those lines; the valid content must pass.
set -u
root=$(pwd)
kiosk="$BUILD/kiosk"
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

out=$("$kiosk" check tests/fixtures/mini/screens) || { echo "valid content refused:"; echo "$out"; exit 1; }

for case in tests/fixtures/broken/*/; do
	name=$(basename "$case")
	rm -rf "$work/c" && mkdir -p "$work/c" && cp -R tests/fixtures/mini/. "$work/c/"
	for f in "$root/$case"*.yaml; do [ -e "$f" ] && cp "$f" "$work/c/screens/"; done
	if [ -f "$case/remove" ]; then
		while read -r r; do rm -f "$work/c/screens/$r"; done < "$case/remove"
	fi
	# A bounded run: content that hangs the parser must fail, not stall.
	timeout 60 "$kiosk" check "$work/c/screens" > "$work/out" 2>&1
	rc=$?
	sed "s#$work/c/screens#DIR#g" "$work/out" | grep -v '^DIR: ' > "$work/got"
	if [ $rc -ne 1 ]; then
		echo "$name: exit $rc, want 1"; fail=1
	fi
	if ! diff -u "$case/expect" "$work/got"; then
		echo "$name: diagnostics differ"; fail=1
	fi
	grep -q '^DIR: .* error(s)' <(sed "s#$work/c/screens#DIR#g" "$work/out") || { echo "$name: no summary line"; fail=1; }
done

# Nothing from the content reaches the terminal raw: a key holding an OSC
# title and a screen clear, in a file whose name holds control bytes, in a
# folder whose name holds one, is echoed escaped.
esc=$(printf '\033') bel=$(printf '\007')
dir="$work/e${esc}[2J"
rm -rf "$dir" && mkdir -p "$dir" && cp -R tests/fixtures/mini/. "$dir/"
printf 'id: esc\nkind: info\ntitle: {en: T, es: T}\ntext: {en: T, es: T}\n"\\e]0;owned\\a\\e[2J": 1\n' \
	> "$dir/screens/055-${esc}]0;x${bel}.yaml"
printf 'x' > "$dir/screens/${esc}[31mnotes.txt"
timeout 60 "$kiosk" check "$dir/screens" > "$work/out" 2>&1
if grep -q "[$esc$bel]" "$work/out"; then
	echo "control characters reached the terminal:"; cat -A "$work/out"; fail=1
fi
grep -qF "$work/e\x1B[2J/screens/055-\x1B]0;x\x07.yaml:5:2: error: unknown key '\x1B]0;owned\x07\x1B[2J' in a screen (it may have: id, kind," "$work/out" ||
	{ echo "escaped key:"; cat -A "$work/out"; fail=1; }
grep -qxF "$work/e\x1B[2J/screens/\x1B[31mnotes.txt: warning: not a .yaml file; the kiosk ignores it" "$work/out" ||
	{ echo "escaped file name:"; cat -A "$work/out"; fail=1; }
printf '[kiosk]\nidle_${esc}]0;x${bel} = 20\n' > "$work/esc.conf"
"$kiosk" check --config "$work/esc.conf" > "$work/out" 2>&1
if grep -q "[$esc$bel]" "$work/out"; then
	echo "control characters from the config reached the terminal:"; cat -A "$work/out"; fail=1
fi

# An answers file for simulate goes through the same text rules: the
# parser hang on a directive with a non-ASCII byte must not come back.
printf '%%\342' > "$work/hang.yaml"
timeout 60 "$kiosk" simulate tests/fixtures/mini/screens "$work/hang.yaml" > "$work/out" 2>&1
rc=$?
[ $rc -eq 2 ] || { echo "simulate on '%\\xe2': exit $rc, want 2"; fail=1; }
grep -qF "hang.yaml:1:1: YAML directives (lines starting with '%') are not supported" "$work/out" ||
	{ echo "simulate message:"; cat -A "$work/out"; fail=1; }

# A bad config is refused with file:line and a did-you-mean.
printf '[kiosk]\nidle_secnds = 20\n' > "$work/bad.conf"
if "$kiosk" check --config "$work/bad.conf" > "$work/out" 2>&1; then
	echo "bad config accepted"; fail=1
fi
grep -q "bad.conf:2: unknown key 'kiosk.idle_secnds' (did you mean 'kiosk.idle_seconds'?)" "$work/out" || { echo "config message:"; cat "$work/out"; fail=1; }
"$kiosk" check --config kiosk.conf > "$work/out" 2>&1 || { echo "kiosk.conf refused:"; cat "$work/out"; fail=1; }
# Every flag of the bundled content can be raised.
"$kiosk" check --paths screens > "$work/out" 2>&1 || { echo "bundled content refused:"; cat "$work/out"; fail=1; }
if grep -q UNREACHABLE "$work/out"; then grep UNREACHABLE "$work/out"; fail=1; fi
exit $fail
