#!/bin/bash
# The deployment files in deploy/ are valid: systemd-analyze verify accepts
# every unit without a single warning (ExecStart pointed at the binaries of
# this build, since /usr/local/bin is not installed here), the console
# keymap parses with loadkeys, the sysctl snippet is well-formed, and the
# example /etc/kiosk/kiosk.conf is a valid kiosk configuration.
set -u
cd "$(dirname "$0")/../.."
: "${BUILD:?BUILD must point at the built binaries}"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed (Debian package 'systemd', in DEPS_CHECK)"
	exit 0
fi

for u in deploy/*.service; do
	sed -e "s|/usr/local/bin/kiosk-sync|$BUILD/kiosk-sync|g" \
	    -e "s|/usr/local/bin/kiosk |$BUILD/kiosk |g" "$u" >"$t/$(basename "$u")"
done
grep -h '^ExecStart=' "$t"/*.service | sed 's/^/  /'
(cd "$t" && systemd-analyze verify --man=no ./*.service) >"$t/verify.out" 2>&1
rc=$?
# verify exits 0 on unknown keys and bad values (it only warns): any output
# is a failure.
grep -v 'Failed to read \$container of PID 1' "$t/verify.out" >"$t/verify.err" || true
if [ $rc -ne 0 ] || [ -s "$t/verify.err" ]; then
	echo "FAIL: systemd-analyze verify (rc $rc):"; cat "$t/verify.err"; fail=1
else
	echo "ok: systemd-analyze verify: $(ls deploy/*.service | xargs -n1 basename | tr '\n' ' ')"
fi

# The check itself must be able to fail: a unit with an unknown key.
printf '[Service]\nExecStart=%s/kiosk\nNoSuchKey=1\n' "$BUILD" >"$t/broken.service"
if (cd "$t" && systemd-analyze verify --man=no ./broken.service 2>&1) | grep -q "NoSuchKey"; then
	echo "ok: a unit with an unknown key is reported"
else
	echo "FAIL: systemd-analyze did not report an unknown key"; fail=1
fi

# Every path the units run or grant exists in the installed layout.
for u in deploy/*.service; do
	grep -q '^\[Install\]' "$u" || { echo "FAIL: $u has no [Install]"; fail=1; }
done
grep -q '^TTYPath=/dev/tty1' deploy/kiosk.service && grep -q '^PrivateNetwork=yes' deploy/kiosk.service &&
	grep -q '^User=kiosk$' deploy/kiosk.service && grep -q '^Restart=always' deploy/kiosk.service ||
	{ echo "FAIL: kiosk.service lost its tty1/user/network/restart settings"; fail=1; }
grep -q '^User=kiosk-sync$' deploy/kiosk-sync.service && grep -q '^CapabilityBoundingSet=$' deploy/kiosk-sync.service &&
	grep -q '^ReadWritePaths=/var/lib/kiosk$' deploy/kiosk-sync.service ||
	{ echo "FAIL: kiosk-sync.service lost its user/capability/write-path settings"; fail=1; }

if command -v loadkeys >/dev/null; then
	if loadkeys --parse deploy/novt.map; then
		echo "ok: deploy/novt.map parses ($(grep -c VoidSymbol deploy/novt.map) keys removed)"
	else
		echo "FAIL: loadkeys cannot parse deploy/novt.map"; fail=1
	fi
else
	echo "note: loadkeys (package kbd) missing: keymap not parsed"
fi

# sysctl keys: this test may run in a container whose kernel lacks some
# (kernel.sysrq without CONFIG_MAGIC_SYSRQ), so only the form is checked.
if grep -vE '^(#.*|[a-z_]+(\.[a-z_]+)+ = [0-9 ]+|)$' deploy/etc/sysctl.d/90-kiosk.conf; then
	echo "FAIL: deploy/etc/sysctl.d/90-kiosk.conf has a malformed line (above)"; fail=1
else
	echo "ok: sysctl snippet well-formed"
fi

# The example /etc/kiosk/kiosk.conf, checked for what each key is used for
# on a scratch root laid out as deploy/DEPLOY.md installs it (its absolute
# paths moved under $t/root): folders, a 0600 token, a real PEM CA.
r=$t/root
mkdir -p "$r/usr/local/share/kiosk" "$r/etc/kiosk" "$r/var/lib/kiosk" "$r/var/lib/kiosk-content"
cp -R screens "$r/usr/local/share/kiosk/"
sh tests/tools/mkcerts.sh "$t/pki" >/dev/null 2>&1 && cp "$t/pki/ca.pem" "$r/etc/kiosk/clinic-ca.pem"
(umask 077 && echo token >"$r/etc/kiosk/sync-token")
sed "s|= /|= $r/|" deploy/etc/kiosk/kiosk.conf >"$t/kiosk.conf"
if "$BUILD/kiosk" check --config "$t/kiosk.conf" >"$t/conf.out" 2>&1; then
	echo "ok: deploy/etc/kiosk/kiosk.conf is a valid configuration once installed"
else
	echo "FAIL: deploy/etc/kiosk/kiosk.conf:"; cat "$t/conf.out"; fail=1
fi
# ... and each missing piece is named with the path tried.
rm "$r/etc/kiosk/clinic-ca.pem"; chmod 644 "$r/etc/kiosk/sync-token"
"$BUILD/kiosk" check --config "$t/kiosk.conf" >"$t/conf.out" 2>&1
if grep -q "kiosk.conf:[0-9]*: sync.ca_file: $r/etc/kiosk/clinic-ca.pem: No such file" "$t/conf.out" &&
   grep -q "kiosk.conf:[0-9]*: sync.token_file: $r/etc/kiosk/sync-token is accessible by group or others" "$t/conf.out"; then
	echo "ok: a missing CA file and a readable token are named"
else
	echo "FAIL: missing CA / readable token not reported:"; cat "$t/conf.out"; fail=1
fi

exit $fail
