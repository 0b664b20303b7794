#!/bin/bash
# The kiosk's commands say the truth about themselves: every command has
# --help (exit 0) and `kiosk help COMMAND`; each option its help lists is
# accepted by the command; each option the sources compare argv with is in
# the help; `kiosk --help` lists every option of every command.  Also:
# `kiosk config --list`, `staff add` saying the PIN rule before asking, and
# `export-fhir` without a folder exporting the published version in use.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
K="$BUILD/kiosk"
root=$PWD
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

"$K" help >"$t/help" 2>&1 && ok "kiosk help exits 0" || bad "kiosk help: $(cat "$t/help")"
cmds=$(sed -n '/^commands:/,/^$/p' "$t/help" | awk 'NF>1 {print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 8 ] && ok "kiosk help lists the commands: $(echo $cmds)" || bad "commands: '$cmds'"
"$K" --help >"$t/top" 2>&1 || bad "kiosk --help exits $?"

for c in $cmds; do
	if "$K" "$c" --help >"$t/$c.help" 2>&1 && head -1 "$t/$c.help" | grep -q "^usage: kiosk $c"; then
		ok "kiosk $c --help"
	else
		bad "kiosk $c --help: $(head -3 "$t/$c.help")"
	fi
	"$K" help "$c" | cmp -s - "$t/$c.help" || bad "kiosk help $c differs from kiosk $c --help"
	"$K" "$c" -h | cmp -s - "$t/$c.help" || bad "kiosk $c -h differs from kiosk $c --help"
	# Every option of the command is in the top-level usage too.
	for o in $(sed -n '/^options:/,$p' "$t/$c.help" | grep -o '^  --[a-z-]*' | grep -v -- --help); do
		grep -q "kiosk $c .*$o" "$t/top" || bad "kiosk --help lacks $c $o"
	done
done
"$K" help nosuch >/dev/null 2>&1; [ $? -eq 2 ] && ok "kiosk help nosuch exits 2" || bad "kiosk help nosuch"

# Each listed option is accepted by its command: run it in a scratch folder
# with sample arguments and look for a usage complaint.
mkdir -p "$t/run"
cp -R screens "$t/run/"
cat >"$t/run/kiosk.conf" <<CONF
[kiosk]
database = var/kiosk.db
published = var/content
CONF
cp tests/content/all-clear.yaml "$t/run/answers.yaml"
declare -A pos=([init]="" [backup]="backup.db" [check]="screens" [simulate]="screens answers.yaml" [export-fhir]="screens"
	[status]="" [staff]="pin nobody" [publish]="screens" [config]="" [font-check]="1")
declare -A val=([--today]=2026-11-26 [--lang]=es [--config]=kiosk.conf [--role]=staff)
for c in $cmds; do
	[ "$c" = preview ] && continue # needs a terminal; its options are in app.c's parser
	for o in $(sed -n '/^options:/,$p' "$t/$c.help" | grep -o '^  --[a-z-]*' | grep -v -- --help); do
		args=(${pos[$c]})
		[ "$c" = staff ] && [ "$o" = --role ] && args=(add newname)
		[ "$o" = --rollback ] && args=()
		v=()
		[ -n "${val[$o]:-}" ] && v=("${val[$o]}")
		(cd "$t/run" && echo 482916 | "$K" "$c" "$o" "${v[@]}" "${args[@]}") >"$t/out" 2>&1
		rc=$?
		if grep -qi "usage:\|unknown option\|unknown argument" "$t/out"; then
			bad "kiosk $c $o ${v[*]} ${args[*]} is refused (exit $rc): $(head -3 "$t/out")"
		else
			ok "kiosk $c $o accepted (exit $rc)"
		fi
	done
done

# Every option the sources compare an argument with is in the help.
for o in $(grep -ho 'strcmp(argv\[[a-z0-9 +]*\], "--[a-z-]*")' kiosk/cmd_*.c kiosk/app.c kiosk/publish.c |
	   grep -o -- '--[a-z-]*' | sort -u); do
	[ "$o" = --help ] && continue
	grep -q -- "$o" "$t/top" && ok "source option $o is in kiosk --help" || bad "$o is parsed but not in kiosk --help"
done

# kiosk config --list: every key with default and meaning; loads as a config.
"$K" config --list >"$t/list.conf" || bad "kiosk config --list failed"
for k in content database language idle_seconds server ca_file pinned_pubkey token_file backoff_max; do
	grep -q "^$k = " "$t/list.conf" || bad "kiosk config --list lacks $k"
done
grep -q "^#   default: 90$" "$t/list.conf" && ok "config --list shows defaults" || bad "no default shown"
(cd "$t/run" && "$K" check --config "$t/list.conf" >/dev/null 2>&1) || true
printf '[kiosk]\nidle_seconds = 45 ; shorter for the lobby\n' >"$t/set.conf"
"$K" config --list --config "$t/set.conf" | grep -B3 '^idle_seconds = 45$' | grep -q "set on line 2" &&
	ok "config --list --config shows the value a file sets" || bad "config --list --config"

# README's table of keys is the same list, with the same defaults.
sed -n '/^\[\([a-z]*\)\]$/{s/\[\(.*\)\]/\1/;h;d};/^[a-z_]* = /{G;s/^\([a-z_]*\) = \(.*\)\n\(.*\)/\3 \1 \2/;p}' "$t/list.conf" |
while read -r sec key def; do
	[ -z "$def" ] && def="(empty)"
	grep -qF "| \`[$sec] $key\` | \`$def\` |" README.md || grep -qF "| \`[$sec] $key\` | $def |" README.md ||
		echo "README.md lacks the row of [$sec] $key (default $def)"
done >"$t/readme.missing"
[ -s "$t/readme.missing" ] && bad "$(cat "$t/readme.missing")" || ok "README's key table matches kiosk config --list"

# staff add says the PIN rule before asking for it.
(cd "$t/run" && echo 123456 | "$K" staff add alex --role staff) >"$t/staff" 2>&1
if [ "$(head -1 "$t/staff")" = "kiosk staff: a PIN has 6 to 16 digits, not one digit repeated (111111) and not a run (123456, 654321)." ] &&
   grep -q "too easy" "$t/staff"; then
	ok "staff add says the PIN rule first"
else
	bad "staff add: $(cat "$t/staff")"
fi

# export-fhir without a folder exports the version in use (the published one).
cp -R "$t/run/screens" "$t/run/v2"
sed -i 's/What is your full name?/What is your full legal name?/' "$t/run/v2/030-name.yaml"
(cd "$t/run" && "$K" publish v2 >"$t/pub" 2>&1) || bad "publish v2: $(cat "$t/pub")"
(cd "$t/run" && "$K" export-fhir >"$t/q.json" 2>"$t/q.err")
grep -q "full legal name" "$t/q.json" && ok "export-fhir exports the published version in use" ||
	bad "export-fhir exported another version: $(head -c 300 "$t/q.err")"
exit $fail
