#!/bin/bash
# kiosk-sync ignores the proxy environment variables: with https_proxy,
# HTTPS_PROXY, ALL_PROXY and all_proxy pointing at a local listener, that
# listener sees no connection at all and delivery goes straight to the
# server.  A proxy named in kiosk.conf (sync.proxy) is used, with a CONNECT
# to the server (TLS end to end, so the proxy never sees the token).
. tests/tools/sync_lib.sh
sync_setup

PORT=$(free_port)
PPORT=$(free_port)
mkdir -p "$T/var"
server_start "$PORT"
# A CONNECT proxy that logs the first line of every request it gets.
$PY - "$PPORT" "$T/proxy.log" "$T/proxy.ready" <<'PYEOF' >>"$T/proxy.out" 2>&1 &
import select, socket, socketserver, sys
port, log, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d:
                break
            head += d
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        with open(log, "a") as f:
            f.write(line + "\n")
        parts = line.split()
        if len(parts) < 2 or parts[0] != "CONNECT":
            c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, p = parts[1].rsplit(":", 1)
        up = socket.create_connection((host, int(p)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        socks = [c, up]
        while True:
            r, _, _ = select.select(socks, [], [], 30)
            if not r:
                break
            for s in r:
                d = s.recv(65536)
                if not d:
                    return
                (up if s is c else c).sendall(d)
class S(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
srv = S(("127.0.0.1", port), H)
open(ready, "w").write("1")
srv.serve_forever()
PYEOF
PROXY_PID=$!
trap 'kill $PROXY_PID 2>/dev/null; sync_cleanup' EXIT
WAIT=10 wait_for test -s "$T/proxy.ready" || fail "the proxy did not start"
: >"$T/proxy.log"

# Proxy variables in the environment: ignored.
write_conf
fill 2
https_proxy=http://127.0.0.1:$PPORT HTTPS_PROXY=http://127.0.0.1:$PPORT \
	ALL_PROXY=http://127.0.0.1:$PPORT all_proxy=http://127.0.0.1:$PPORT no_proxy= NO_PROXY= \
	sync_once
[ "$RC" -eq 0 ] || fail "with proxy variables set: exit $RC, expected 0"
[ -s "$T/proxy.log" ] && fail "the proxy from the environment was used: $(cat "$T/proxy.log")"
assert_exactly_once

# sync.proxy in kiosk.conf: used, with a CONNECT to the server, even when
# no_proxy names the server.
write_conf proxy="http://127.0.0.1:$PPORT"
fill 1 3
no_proxy=127.0.0.1 NO_PROXY=127.0.0.1 sync_once
[ "$RC" -eq 0 ] || fail "through sync.proxy: exit $RC, expected 0"
grep -qx "CONNECT 127.0.0.1:$PORT HTTP/1.1" "$T/proxy.log" || fail "sync.proxy was not used: $(cat "$T/proxy.log")"
assert_exactly_once

# A proxy that is not an http(s) URL is a configuration error.
write_conf proxy="socks4://127.0.0.1:$PPORT"
sync_once
[ "$RC" -eq 2 ] || fail "a socks4 proxy: exit $RC, expected 2"
echo "ok"
