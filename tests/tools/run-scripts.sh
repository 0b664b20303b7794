#!/bin/sh
# Run each scripted test (tests/it/*.sh, tests/e2e/*.sh) with BUILD set to
# the folder holding the binaries.  Each script exits 0 on success.  Output
# of a failing script is shown; a summary line ends the run.
pass=0; fail=0; failed=""
root=$(cd "$(dirname "$0")/../.." && pwd)
for t in "$@"; do
	log=$(mktemp)
	start=$(date +%s)
	if (cd "$root" && bash "$t") >"$log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $t ($(( $(date +%s) - start ))s)"
	else
		fail=$((fail + 1)); failed="$failed $t"
		echo "FAIL $t"; sed 's/^/    /' "$log" | tail -60
	fi
	rm -f "$log"
done
echo "scripts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
