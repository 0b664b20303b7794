#!/bin/bash
# 1,000 queued intakes drain in one run over one reused connection, every
# one on the server exactly once, and the store keeps only receipts.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf
mkdir -p "$T/var"
fill 1000
server_start "$PORT"
start=$(date +%s.%N)
sync_once
end=$(date +%s.%N)
[ "$RC" -eq 0 ] || fail "1000 records: exit $RC, expected 0"
assert_exactly_once
[ "$(server_stat transactions)" -eq 1000 ] || fail "expected 1000 transactions, got $(server_stat transactions)"
[ "$(server_stat connections)" -eq 1 ] || fail "expected one reused connection, got $(server_stat connections)"
[ "$(store_stat delivered)" -eq 1000 ] || fail "the store does not show 1000 delivered"
[ "$(store_stat waiting)" -eq 0 ] || fail "records still waiting"
# Delivered records keep no patient data (kiosk.retention_days = 0).
sqlite3 "$T/var/kiosk.db" "SELECT count(*) FROM outbox WHERE bundle IS NOT NULL" | grep -qx 0 ||
	fail "delivered bundles were not purged"
echo "ok: 1000 records in $(echo "$end - $start" | bc) s over $(server_stat connections) connection"
