#!/bin/bash
# The clinic's server is down: --once says records are left for a later try
# (status 3) and loses nothing; a daemon started while the server is down
# keeps retrying with backoff (one request per wait, not one per record)
# and delivers everything exactly once when the server comes up.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf backoff_max=2
mkdir -p "$T/var"
fill 20

sync_once
[ "$RC" -eq 3 ] || fail "server down: exit $RC, expected 3"
grep -q "Couldn't connect to server" "$T/sync.log" || fail "the log does not say the server is down"
[ "$(grep -c "next try in" "$T/sync.log")" -eq 1 ] ||
	fail "--once hammered a server that is down (one try expected)"
[ "$(store_stat waiting)" -eq 20 ] || fail "records were lost while the server was down"

daemon_start
WAIT=10 wait_for sh -c "[ \$(grep -c 'next try in' '$T/daemon.log') -ge 2 ]" ||
	fail "the daemon does not retry"
server_start "$PORT"
WAIT=60 wait_for all_held || fail "records did not reach the server once it came up"
daemon_stop
assert_exactly_once
[ "$(store_stat waiting)" -eq 0 ] || fail "records still waiting"
[ "$(server_stat connections)" -le 2 ] || fail "more connections than needed: $(server_stat connections)"
echo "ok"
