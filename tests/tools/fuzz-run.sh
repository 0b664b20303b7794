#!/bin/sh
# Run each libFuzzer target for a bounded time: fuzz-run.sh OUT SECONDS BIN...
# Inputs start from the seed corpus tests/fuzz/corpus/<target>/ (read-only
# here) and what earlier runs found in OUT/corpus/<target>/.  A crash, leak,
# hang over 10 s or a failed property stops the target, leaves the input as
# OUT/<target>-crash-* (or -leak-, -timeout-) and fails the run.
out=$1 secs=$2
shift 2
pass=0 fail=0
for bin in "$@"; do
	t=$(basename "$bin")
	seeds="tests/fuzz/corpus/$t"
	mkdir -p "$out/corpus/$t"
	[ -d "$seeds" ] || { echo "FAILED: $t has no seed corpus $seeds"; fail=$((fail + 1)); continue; }
	echo "fuzz: $t for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/$t-" "$out/corpus/$t" "$seeds" \
		>"$out/$t.log" 2>&1; then
		pass=$((pass + 1))
		grep -E '^stat::number_of_executed_units' "$out/$t.log" | sed "s/^/fuzz: $t: /"
	else
		fail=$((fail + 1))
		tail -n 60 "$out/$t.log"
		echo "FAILED: $t (log: $out/$t.log)"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
