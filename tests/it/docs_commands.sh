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
#   <!-- docs-test: root [stdin TEXT] -->  the block is an administrator's
#                                     root step (useradd, install into /etc,
#                                     make install): it runs as root in a
#                                     throwaway copy of this machine (a
#                                     private mount namespace, chroot into an
#                                     overlay of / whose changes live in a
#                                     scratch folder), one copy per document,
#                                     so later root blocks see earlier ones.
#                                     Without root or overlayfs it is skipped.
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
    m = re.match(r"^<!-- docs-test: (skip|stdin|file|root) ?(.*?) ?-->$", lines[i].strip())
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
        elif lang == "sh" and marker and marker[0] == "root":
            kind = "root"
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

# run_root DOC_NAME WORK BLOCK INPUT: run BLOCK as root, in WORK, inside
# the document's throwaway overlay of /.  Refuses (exit 90) unless a probe
# written inside is absent outside, so nothing can reach the machine.
can_root=0
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && grep -qw overlay /proc/filesystems; then
	can_root=1
fi
mkdir -p "$t/shim"
cp "$t/editor" "$t/shim/editor" # Debian's `editor` command, as $EDITOR above
printf 'cd "$1" && exec bash -eo pipefail "$2"\n' >"$t/inroot.sh"
run_root() {
	local o=$t/ovl/$1 probe=/etc/.docs-test-probe-$$
	mkdir -p "$o/up" "$o/wk" "$o/root"
	timeout 600 unshare --mount --fork bash -eu -c '
		o=$1 work=$2 block=$3 shim=$4 probe=$5 inroot=$6
		mount --make-rprivate /
		mount -t overlay overlay -o "lowerdir=/,upperdir=$o/up,workdir=$o/wk" "$o/root"
		for m in proc sys dev dev/pts; do mount --rbind "/$m" "$o/root/$m"; done
		chroot "$o/root" /bin/sh -c "touch $probe"
		if [ -e "$probe" ]; then rm -f "$probe"; echo "the overlay leaks to the machine: not run" >&2; exit 90; fi
		exec chroot "$o/root" /usr/bin/env HOME=/root EDITOR="$shim/editor" \
			PATH="$shim:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
			/bin/bash "$inroot" "$work" "$block"
	' - "$o" "$2" "$3" "$t/shim" "$probe" "$t/inroot.sh" <"$4"
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
	for b in "$blocks"/*.sh "$blocks"/*.stdin "$blocks"/*.ini "$blocks"/*.skip "$blocks"/*.root; do
		[ -e "$b" ] || continue
		echo "${b##*/}"
	done | sort | while read -r id; do
		b=$blocks/$id
		at="$doc:$(cat "${b%.*}.line")"
		case $id in
		*.skip)
			echo "skip: $at: $(cat "${b%.*}.meta")" >>"$t/skipped"
			;;
		*.root)
			if [ $can_root -eq 0 ]; then
				echo "skip: $at: a root step, and this run is not root with overlayfs" >>"$t/skipped"
				continue
			fi
			meta=$(cat "${b%.*}.meta")
			: >"$t/stdin"
			[ "${meta#stdin }" != "$meta" ] && yes "${meta#stdin }" | head -20 >"$t/stdin"
			if run_root "$name" "$work" "$b" "$t/stdin" >"$t/out" 2>&1; then
				ok "$at: $(grep -c . "$b") command line(s) ran as written (as root, in a throwaway copy of /)"
			else
				bad "$at: a command failed (as root, in a throwaway copy of /):"; sed 's/^/    /' "$b"
				echo "  output:"; tail -15 "$t/out" | sed 's/^/    /'
			fi
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
