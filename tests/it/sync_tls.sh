#!/bin/bash
# TLS is always verified: a server certificate from another CA, an expired
# one, one for another host name, or one that does not match the pinned key
# is refused before anything is sent.  Bad credentials settings (token file
# readable by others, http://, missing CA file, half a client certificate)
# are configuration errors.  Mutual TLS with a client certificate works.
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
write_conf backoff_max=1
mkdir -p "$T/var"
fill 3

# Refused certificates: nothing reaches the server, the records wait.
for cert in other expired wronghost; do
	SERVER_CERT=$cert
	server_start "$PORT" --no-validate
	: >"$T/sync.log"
	sync_once
	[ "$RC" -eq 3 ] || fail "$cert certificate: exit $RC, expected 3 (left for retry)"
	grep -q "server certificate refused" "$T/sync.log" || fail "$cert: the log does not say why"
	server_stop
	[ "$(server_stat transactions)" -eq 0 ] || fail "$cert: a record was sent"
	# Not a single request (not even one without a body) came through.
	[ "$(server_stat connections)" -eq 0 ] || fail "$cert: a request was made"
	[ "$(store_stat waiting)" -eq 3 ] || fail "$cert: records are not waiting any more"
done
SERVER_CERT=server

# Configuration errors: status 2, nothing sent.
server_start "$PORT" --client-ca "$PKI/ca.pem"
chmod 640 "$T/token"
sync_once
[ "$RC" -eq 2 ] || fail "group-readable token file: exit $RC, expected 2"
grep -q "chmod 600" "$T/sync.log" || fail "the token file error does not say how to fix it"
chmod 600 "$T/token"
write_conf backoff_max=1 "server=http://127.0.0.1:$PORT/fhir"
sync_once
[ "$RC" -eq 2 ] || fail "http:// server: exit $RC, expected 2"
write_conf backoff_max=1 "ca_file=$T/nothing.pem"
sync_once
[ "$RC" -eq 2 ] || fail "missing CA file: exit $RC, expected 2"
write_conf backoff_max=1 "client_cert=$PKI/client.pem"
sync_once
[ "$RC" -eq 2 ] || fail "client certificate without key: exit $RC, expected 2"
cp "$PKI/client.key" "$T/client.key"
chmod 644 "$T/client.key"
write_conf backoff_max=1 "client_cert=$PKI/client.pem" "client_key=$T/client.key"
sync_once
[ "$RC" -eq 2 ] || fail "world-readable client key: exit $RC, expected 2"
chmod 600 "$T/client.key"

# This server wants a client certificate: without one the handshake fails.
write_conf backoff_max=1
sleep 1.2
sync_once
[ "$RC" -eq 3 ] || fail "no client certificate: exit $RC, expected 3"
# (The server hangs up during or right after the handshake; how libcurl
# words that depends on timing, but a try was made and failed.)
tail -2 "$T/sync.log" | grep -q "next try in" || fail "no failed try is logged"
[ "$(server_stat transactions)" -eq 0 ] || fail "sent without the client certificate"

# A pin that does not match the server's key is refused.
write_conf backoff_max=1 "client_cert=$PKI/client.pem" "client_key=$T/client.key" \
	"pinned_pubkey=$(cat "$PKI/other.pin")"
sleep 1.2
sync_once
[ "$RC" -eq 3 ] || fail "wrong pinned key: exit $RC, expected 3"
tail -2 "$T/sync.log" | grep -q "does not match pinned public key" || fail "the pin mismatch is not logged"
[ "$(server_stat transactions)" -eq 0 ] || fail "sent to a server whose key is not the pinned one"

# The right pin and the client certificate: everything arrives once.
write_conf backoff_max=1 "client_cert=$PKI/client.pem" "client_key=$T/client.key" \
	"pinned_pubkey=$(cat "$PKI/server.pin")"
sleep 1.2
sync_once
[ "$RC" -eq 0 ] || fail "mutual TLS with the right pin: exit $RC, expected 0"
assert_exactly_once
echo "ok"
