#!/bin/bash
# kiosk publish: a valid content change becomes current atomically with its
# assets, an invalid one is refused with file:line:col messages and changes
# nothing, every version stays, --rollback returns to the previous one, and
# each step is in the audit log of the real database.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
K="$BUILD/kiosk"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

cat >"$t/kiosk.conf" <<CONF
[kiosk]
database = var/kiosk.db
content = $PWD/screens
published = var/content
CONF
"$K" init --config "$t/kiosk.conf" >/dev/null || { echo "FAIL: kiosk init"; exit 1; }
cp -R screens "$t/v1"
# The content version `kiosk check` reports for a folder.
version_of() { "$K" check "$1" 2>/dev/null | grep -o 'sha256:[0-9a-f]\{64\}' | head -1; }
cur() { readlink "$t/var/content/current"; }

v1=$(version_of "$t/v1")
[ -n "$v1" ] || { echo "FAIL: kiosk check found no version for the bundled screens"; exit 1; }

# 1. First publish.
if "$K" publish --config "$t/kiosk.conf" "$t/v1" >"$t/out" 2>&1; then ok "v1 published"; else bad "v1 refused: $(cat "$t/out")"; fi
h1=${v1#sha256:}; h1=${h1:0:12}
[ "$(cur)" = "versions/$h1" ] && ok "current -> versions/$h1" || bad "current is '$(cur)'"
[ -f "$t/var/content/versions/$h1/screens/assets/aftercare.en.txt" ] && ok "assets copied with the screens" || bad "no assets in the version"
[ "$(version_of "$t/var/content/current/screens")" = "$v1" ] && ok "published copy has the same version" ||
	bad "published copy differs"

# 2. A wording change (and an aftercare change in the assets) is a new version.
cp -R "$t/v1" "$t/v2"
sed -i 's/What is your full name?/What is your full legal name?/' "$t/v2/030-name.yaml"
echo "Extra aftercare line for the test." >>"$t/v2/assets/aftercare.en.txt"
v2=$(version_of "$t/v2")
[ -n "$v2" ] && [ "$v2" != "$v1" ] || bad "v2 has no new version ($v2)"
"$K" publish --config "$t/kiosk.conf" "$t/v2" >"$t/out" 2>&1 || bad "v2 refused: $(cat "$t/out")"
h2=${v2#sha256:}; h2=${h2:0:12}
[ "$(cur)" = "versions/$h2" ] && ok "v2 is current" || bad "current is '$(cur)' after v2"
grep -q "full legal name" "$t/var/content/current/screens/030-name.yaml" && ok "v2 wording is live" || bad "v2 wording missing"
grep -q "Extra aftercare line" "$t/var/content/current/screens/assets/aftercare.en.txt" && ok "v2 assets are live" || bad "v2 assets missing"
grep -q "Extra aftercare line" "$t/var/content/versions/$h1/screens/assets/aftercare.en.txt" &&
	bad "v1's assets changed" || ok "v1 kept its own assets"
# The published copy does not follow later edits of the source.
echo "# edited after publishing" >>"$t/v2/030-name.yaml"
[ "$(version_of "$t/var/content/current/screens")" = "$v2" ] && ok "published v2 unaffected by source edits" ||
	bad "published v2 changed with its source"

# 3. An invalid change is refused with file:line:col and changes nothing.
cp -R "$t/v1" "$t/v3"
sed -i 's/^id: full_name/id: full_nam/' "$t/v3/030-name.yaml"
before=$(ls "$t/var/content/versions" | sort | tr '\n' ' ')
"$K" publish --config "$t/kiosk.conf" "$t/v3" >"$t/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "invalid content refused (exit 1)" || bad "invalid content: exit $rc"
grep -Eq "^$t/v3/[^:]+\.yaml:[0-9]+:[0-9]+: error: " "$t/out" && ok "errors as file:line:col" ||
	{ bad "no file:line:col error"; cat "$t/out"; }
[ "$(cur)" = "versions/$h2" ] && ok "v2 still current" || bad "current moved to '$(cur)'"
[ "$(ls "$t/var/content/versions" | sort | tr '\n' ' ')" = "$before" ] && ok "no version folder added" ||
	bad "versions changed: $(ls -a "$t/var/content/versions")"
ls -a "$t/var/content/versions" | grep -q '^\.tmp' && bad "temporary folder left behind" || ok "no temporary folder left"

# 4. Publishing what is current changes nothing.
"$K" publish --config "$t/kiosk.conf" "$t/var/content/current/screens" >"$t/out" 2>&1 || bad "re-publish refused"
grep -q "already in use" "$t/out" && ok "re-publish of the current version is a no-op" || bad "re-publish: $(cat "$t/out")"

# 5. Rollback returns to v1, then there is nothing earlier.
"$K" publish --config "$t/kiosk.conf" --rollback >"$t/out" 2>&1 || bad "rollback refused: $(cat "$t/out")"
[ "$(cur)" = "versions/$h1" ] && ok "rolled back to v1" || bad "current is '$(cur)' after rollback"
"$K" publish --config "$t/kiosk.conf" --rollback >"$t/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "second rollback refused (nothing earlier)" || bad "second rollback: exit $rc $(cat "$t/out")"
[ -d "$t/var/content/versions/$h2/screens" ] && ok "v2 kept after rollback" || bad "v2 deleted"

# 6. The history and the audit log tell who did what.
[ "$(grep -c ' publish ' "$t/var/content/history")" -eq 2 ] && [ "$(grep -c ' rollback ' "$t/var/content/history")" -eq 1 ] &&
	ok "history has 2 publishes and 1 rollback" || bad "history: $(cat "$t/var/content/history")"
n=$(sqlite3 "$t/var/kiosk.db" "SELECT count(*) FROM audit WHERE action = 'content published' AND detail IN ('$v1', '$v2')")
[ "$n" = 2 ] && ok "audit: 2 'content published' with versions" || bad "audit has $n publish entries"
n=$(sqlite3 "$t/var/kiosk.db" "SELECT count(*) FROM audit WHERE action = 'content rolled back' AND detail = '$v1'")
[ "$n" = 1 ] && ok "audit: rollback recorded" || bad "audit has $n rollback entries"

# 7. Usage errors.
"$K" publish --config "$t/kiosk.conf" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "no folder: usage (exit 2)" || bad "no folder: exit $rc"
"$K" publish --config "$t/kiosk.conf" "$t/missing" >"$t/out" 2>&1; rc=$?
[ $rc -ne 0 ] && [ "$(cur)" = "versions/$h1" ] && ok "missing folder refused" || bad "missing folder: exit $rc"

# 8. Only what the kiosk reads is published, never through a link, with
# the store's modes.  A link to the pepper and a stray note beside the
# screens are not copied; a screen, an aftercare text or an assets folder
# that is a link is refused.
head -c 32 /dev/urandom >"$t/pepper" && chmod 600 "$t/pepper"
echo "sync token" >"$t/token" && chmod 600 "$t/token"
cp -R "$t/v1" "$t/v5" && mv "$t/v5/assets" "$t/assets5" # the older layout: assets beside
sed -i 's/What is your full name?/What is your name, please?/' "$t/v5/030-name.yaml"
sed -i 's#^assets: .*#assets: ../assets5#' "$t/v5/_content.yaml"
grep -q '^assets: ../assets5' "$t/v5/_content.yaml" || echo 'assets: ../assets5' >>"$t/v5/_content.yaml"
ln -s "$t/pepper" "$t/v5/pepper"
ln -s "$t/token" "$t/assets5/token.en.txt"
echo "draft wording" >"$t/v5/notes.txt"
chmod 600 "$t/v5/030-name.yaml"; chmod 755 "$t/v5/040-dob.yaml"
if "$K" publish --config "$t/kiosk.conf" "$t/v5" >"$t/out" 2>&1; then ok "v5 published"; else bad "v5 refused: $(cat "$t/out")"; fi
v5=$(version_of "$t/v5"); h5=${v5#sha256:}; h5=${h5:0:12}
d5="$t/var/content/versions/$h5"
[ "$(cur)" = "versions/$h5" ] && ok "v5 is current" || bad "current is '$(cur)' after v5"
if [ -n "$(find "$t/var/content" -name pepper -o -name notes.txt -o -name 'token*')" ]; then
	bad "files the kiosk does not read were published: $(find "$t/var/content" -name pepper -o -name notes.txt -o -name 'token*')"
else ok "the pepper link, the token link and the note were not published"; fi
[ "$(cd "$d5/screens" && ls | sort | tr '\n' ' ')" = "$(cd "$t/v5" && ls *.yaml | sort | tr '\n' ' ')" ] &&
	ok "screens/ holds exactly the content files" || bad "screens/ holds: $(ls "$d5/screens")"
[ "$(cd "$d5/assets5" && ls | sort | tr '\n' ' ')" = "aftercare.en.txt aftercare.es.txt " ] &&
	ok "assets5/ holds exactly the aftercare texts" || bad "assets5/ holds: $(ls "$d5/assets5")"
modes=$(find "$d5" -type f -printf '%m\n' | sort -u | tr '\n' ' ')
[ "$modes" = "644 " ] && ok "every published file is 0644" || bad "file modes: $modes"
modes=$(find "$d5" -type d -printf '%m\n' | sort -u | tr '\n' ' ')
[ "$modes" = "755 " ] && ok "every published folder is 0755" || bad "folder modes: $modes"
[ -z "$(find "$t/var/content/versions" -type l)" ] && ok "no links in the published versions" || bad "links published"

refused() { # name folder: publish must fail, name the link, and change nothing
	local before; before=$(cur)
	"$K" publish --config "$t/kiosk.conf" "$2" >"$t/out" 2>&1; rc=$?
	if [ $rc -ne 0 ] && grep -q "symbolic link" "$t/out" && [ "$(cur)" = "$before" ]; then ok "$1 refused"
	else bad "$1: exit $rc, current $(cur): $(cat "$t/out")"; fi
	if [ -n "$(find "$t/var/content" -name 'token*' -o -name pepper)" ]; then bad "$1: a secret was copied"; fi
}
cp -R "$t/v5" "$t/v6" && rm "$t/v6/pepper" && sed -i 's/your name, please/your name, now/' "$t/v6/030-name.yaml"
mv "$t/v6/030-name.yaml" "$t/name.yaml" && ln -s "$t/name.yaml" "$t/v6/030-name.yaml"
refused "a screen that is a link" "$t/v6"
rm "$t/v6/030-name.yaml" && mv "$t/name.yaml" "$t/v6/030-name.yaml"
mv "$t/assets5/aftercare.en.txt" "$t/aftercare.en.txt" && ln -s "$t/token" "$t/assets5/aftercare.en.txt"
refused "an aftercare text that is a link to a secret" "$t/v6"
rm "$t/assets5/aftercare.en.txt" && mv "$t/aftercare.en.txt" "$t/assets5/aftercare.en.txt"
mkdir "$t/linked" && cp -R "$t/v6" "$t/linked/v7" && mv "$t/assets5" "$t/real-assets" && ln -s "$t/real-assets" "$t/linked/assets5"
refused "an assets folder that is a link" "$t/linked/v7"

exit $fail
