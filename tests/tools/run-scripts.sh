#!/bin/bash
# Run each scripted test (tests/it/*.sh, tests/e2e/*.sh) with BUILD set to
# the folder holding the binaries.  Each script exits 0 on success.  Tests
# are independent (own temp folders, own tmux servers, own ports), so they
# run SCRIPT_JOBS at a time (default 2).  The output of a failing script is
# shown; a summary line ends the run.
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${SCRIPT_JOBS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_one() {
	local t=$1 log=$2 start rc
	start=$(date +%s)
	(cd "$root" && bash "$t") >"$log" 2>&1
	rc=$?
	echo "$rc $(( $(date +%s) - start ))" >"$log.rc"
}

i=0
for t in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	i=$((i + 1))
	run_one "$t" "$logs/$i" &
done
wait

pass=0; fail=0; i=0
for t in "$@"; do
	i=$((i + 1))
	read -r rc secs <"$logs/$i.rc"
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)); echo "ok   $t (${secs}s)"
	else
		fail=$((fail + 1)); echo "FAIL $t"; sed 's/^/    /' "$logs/$i" | tail -60
	fi
done
echo "scripts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
