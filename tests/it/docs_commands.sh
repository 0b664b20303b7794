#!/bin/bash
# The admin docs work when followed literally: every fenced ```sh block of
# README.md, docs/*.md and deploy/DEPLOY.md is run as written, in order, in
# a scratch copy of the repository (one copy per document, `build/` linking
# to the binaries under test), and must succeed; every ```ini block is
# loaded as a kiosk.conf and must give values without their comments.
#
# An HTML comment on the line before a fence tells this script about it:
#   <!-- docs-test: skip REASON -->   not run here (REASON says why: it
#                                     needs root, systemd or a real console)
#   <!-- docs-test: stdin TEXT -->    the block reads TEXT lines on stdin
#                                     (a PIN: the commands never take one
#                                     on the command line)
#   <!-- docs-test: file NAME -->     the block is a file the commands use:
#                                     written to NAME before they run
# $EDITOR appends a comment line to the files it is given.
# The skipped blocks are listed at the end, so the list stays visible.
#
# The blocks run as the unprivileged user nobody when this runs as root: a
# block that should have been marked (useradd, install into /etc,
# systemctl) then fails here instead of changing the machine.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
root=$PWD
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
chmod 755 "$t"
# $EDITOR in a block: an edit an administrator would make (a comment line
# appended), so the content version really changes.
printf '#!/bin/sh\nfor f; do echo "# edited" >>"$f"; done\n' >"$t/editor"
chmod 755 "$t/editor"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all)
fi
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; : >"$t/failed"; } # also from the loop's subshell

# Split each document into numbered blocks: DIR/N.kind (sh, ini, file),
# DIR/N.meta (marker argument), DIR/N.line (line of the fence).
extract() { # DOC OUTDIR
	/usr/bin/python3 - "$1" "$2" <<'PY'
import os, re, sys
doc, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
lines = open(doc, encoding="utf-8").read().split("\n")
n, i, marker = 0, 0, None
while i < len(lines):
    m = re.match(r"^<!-- docs-test: (skip|stdin|file) ?(.*?) ?-->$", lines[i].strip())
    if m:
        marker = (m.group(1), m.group(2)); i += 1; continue
    f = re.match(r"^```(\w*)\s*$", lines[i])
    if f:
        lang, start = f.group(1), i + 1
        j = start
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = "\n".join(lines[start:j]) + "\n"
        kind = None
        if marker and marker[0] == "file":
            kind = "file"
        elif marker and marker[0] == "skip":
            kind = "skip"
        elif lang == "sh":
            kind = "stdin" if marker and marker[0] == "stdin" else "sh"
        elif lang == "ini":
            kind = "ini"
        if kind:
            n += 1
            open(f"{out}/{n:02d}.{kind}", "w").write(body)
            open(f"{out}/{n:02d}.meta", "w").write(marker[1] if marker else "")
            open(f"{out}/{n:02d}.line", "w").write(str(start))
        marker = None
        i = j + 1
        continue
    if lines[i].strip():
        marker = None
    i += 1
PY
}

skipped=""
for doc in README.md docs/*.md deploy/DEPLOY.md; do
	name=$(echo "$doc" | tr / _)
	blocks=$t/blocks/$name
	extract "$doc" "$blocks" || { bad "$doc: cannot read its blocks"; continue; }
	# A scratch copy of the repository as a new administrator has it.
	work=$t/work/$name
	mkdir -p "$work"
	tar -C "$root" --exclude=./build --exclude=./.git --exclude=./var -cf - . | tar -C "$work" -xf -
	mkdir "$work/build"
	cp "$BUILD/kiosk" "$BUILD/kiosk-sync" "$work/build/"
	for f in "$blocks"/*.file; do
		[ -e "$f" ] || continue
		dest=$(cat "${f%.file}.meta")
		mkdir -p "$work/$(dirname "$dest")"
		cp "$f" "$work/$dest"
	done
	for b in "$blocks"/*.sh "$blocks"/*.stdin "$blocks"/*.ini "$blocks"/*.skip; do
		[ -e "$b" ] || continue
		echo "${b##*/}"
	done | sort | while read -r id; do
		b=$blocks/$id
		at="$doc:$(cat "${b%.*}.line")"
		case $id in
		*.skip)
			echo "skip: $at: $(cat "${b%.*}.meta")" >>"$t/skipped"
			;;
		*.ini)
			if "$BUILD/kiosk" config --list --config "$b" >"$t/ini.out" 2>&1 &&
			   ! grep -v '^#' "$t/ini.out" | grep -q '[[:space:]][;#]'; then
				ok "$at: the [ini] example loads, values without their comments"
			else
				bad "$at: the [ini] example: $(head -5 "$t/ini.out")"
			fi
			;;
		*)
			[ ${#as_user[@]} -gt 0 ] && chown -R nobody:nogroup "$work"
			input=/dev/null
			if [ "${id##*.}" = stdin ]; then
				yes "$(cat "${b%.*}.meta")" | head -20 >"$t/stdin"
				input=$t/stdin
			fi
			if (cd "$work" && EDITOR=$t/editor HOME=$work timeout 300 "${as_user[@]}" bash -eo pipefail "$b" <"$input") >"$t/out" 2>&1; then
				ok "$at: $(grep -c . "$b") command line(s) ran as written"
			else
				bad "$at: a command failed:"; sed 's/^/    /' "$b"; echo "  output:"; tail -15 "$t/out" | sed 's/^/    /'
			fi
			;;
		esac
	done
	[ -s "$t/failed" ] && fail=1
done
[ -e "$t/skipped" ] && cat "$t/skipped"
exit $fail
