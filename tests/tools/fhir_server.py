#!/usr/bin/python3
"""A small FHIR R4 server for the sync tests: real TLS, HTTP/1.1 keep-alive,
transactions stored by their PUT url, and injected faults.

Usage:
  fhir_server.py --port N --cert C --key K [--token T] [--client-ca CA]
                 [--faults SPEC] [--control FILE] [--dump FILE] [--ready FILE]
                 [--no-validate]

The FHIR base is https://127.0.0.1:N/fhir.  POST [base] takes a transaction
Bundle whose entries are PUT Type/id; each resource is stored under that url,
so the same PUT twice leaves one resource (its "writes" count says how often
it was written).  PUT [base]/Questionnaire/<id> stores a Questionnaire.

Faults: SPEC is a comma-separated list applied to successive FHIR requests
(one item per request; then normal service).  "x*3" repeats an item.
  ok          normal answer
  500         HTTP 500, nothing stored
  503         HTTP 503 with "Retry-After: 1", nothing stored
  503date     HTTP 503 with Retry-After as an HTTP date 4 s ahead
  429         HTTP 429 with "Retry-After: 3", nothing stored
  slow        store, answer normally after 1.5 s
  reset       store, then reset the connection without an answer
  hang        read the request, store nothing, never answer
  badjson     store, then answer 200 with a body that is not JSON
  400         HTTP 400 with an OperationOutcome, nothing stored
  401         HTTP 401, nothing stored
Answers that lie about a transaction (POST; a Questionnaire PUT gets the
same shape where it has one, else a normal answer):
  searchset   store nothing; 200 with a Bundle of type "searchset" (total 0)
  batchfail   store nothing; 200 "batch-response", one entry per entry sent,
              each "422 Unprocessable Entity"
  entry422    store nothing; 200 "transaction-response" whose last entry is
              "422 Unprocessable Entity" (the others 201)
  short       store; 200 "transaction-response" with one entry fewer
  wrongloc    store; 200 "transaction-response" whose first location names
              another id of the same type
  locquery    store; 200 "transaction-response" whose locations carry a
              query string with the patient's family name
  huge        store; 200 with a valid transaction-response padded with
              spaces to 64 MiB, chunked the first time, with a Content-Length
              the next, alternating ("huge_cut" in the dump counts the
              answers the client stopped reading)
  quote422    store nothing; 422 with an OperationOutcome whose diagnostics
              and details.text quote the patient's family name, severity
              "error", code "invariant", expression Patient.name[0].family
With --control FILE the list is replaced by the file's content whenever the
file changes (so a test can switch faults while the server runs).

GET /_dump returns what the server holds as JSON (and --dump FILE writes the
same on exit): resources (url -> {"writes": n, "resource": ...}),
transactions, connections that carried FHIR requests, tls_failures, faults
applied, and rejected requests.

Every transaction Bundle (each of its resources) and Questionnaire is checked
with tests/tools/fhir-validate when that script exists: it is mandatory then
(an invalid document gets HTTP 422 with the problems; missing definitions
stop the server).  Without the script a note is printed and documents are
only checked for shape.  --no-validate turns checking off.  With
--check-answers every QuestionnaireResponse must also fit (url|version,
items, answer types) a Questionnaire PUT to this server before.
"""

import argparse
import email.utils
import http.server
import json
import os
import select
import socket
import socketserver
import ssl
import struct
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATOR = os.path.join(HERE, "fhir-validate")

LOCK = threading.Lock()
STATE = {
    "resources": {},
    "transactions": 0,
    "connections": 0,
    "tls_failures": 0,
    "faults_applied": [],
    "rejected": [],
    "auth_failures": 0,
    "huge_cut": 0,
}
FAULTS = []
LIES = ("searchset", "batchfail", "entry422", "short", "wrongloc", "locquery", "huge",
        "quote422")
HUGE = 64 << 20
CONTROL = {"path": None, "mtime": None}
OPTS = None


def parse_faults(spec):
    out = []
    for item in spec.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        n = 1
        if "*" in item:
            item, count = item.split("*", 1)
            n = int(count)
        if item not in ("ok", "500", "503", "503date", "429", "slow", "reset", "hang",
                        "badjson", "400", "401") + LIES:
            raise SystemExit("fhir_server: unknown fault %r" % item)
        out.extend([item] * n)
    return out


def next_fault():
    with LOCK:
        path = CONTROL["path"]
        if path:
            try:
                mtime = os.stat(path).st_mtime_ns
            except FileNotFoundError:
                mtime = None
            if mtime is not None and mtime != CONTROL["mtime"]:
                CONTROL["mtime"] = mtime
                with open(path) as f:
                    FAULTS[:] = parse_faults(f.read())
        fault = FAULTS.pop(0) if FAULTS else "ok"
        STATE["faults_applied"].append(fault)
        return fault


VALIDATOR_STATE = {}
QUESTIONNAIRES = {}  # "url|version" -> Questionnaire, with --check-answers


def load_validator():
    """Load tests/tools/fhir-validate in this process once (its definitions
    take seconds to load; each document then takes milliseconds)."""
    if OPTS.no_validate:
        return
    if not os.path.exists(VALIDATOR):
        print("fhir_server: note: %s is absent; resources are only checked for shape"
              % VALIDATOR, file=sys.stderr, flush=True)
        return
    import importlib.util
    from importlib.machinery import SourceFileLoader
    loader = SourceFileLoader("fhir_validate", VALIDATOR)
    spec = importlib.util.spec_from_loader("fhir_validate", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    if not os.path.exists(os.path.join(mod.DEFS, "fhir.schema.json")):
        raise SystemExit("fhir_server: no FHIR definitions in %s (run tests/tools/fhir-deps.sh)"
                         % mod.DEFS)
    VALIDATOR_STATE.update(mod=mod, schema=mod.Schema(), profiles=mod.Profiles())


def validate(doc):
    """Problems with one document (a transaction Bundle or a resource), ''
    when valid."""
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        return "not a FHIR resource"
    if not VALIDATOR_STATE:
        return ""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
        name = f.name
    try:
        with LOCK:
            m = VALIDATOR_STATE
            rep = m["mod"].validate_file(name, m["schema"], m["profiles"], QUESTIONNAIRES)
    finally:
        os.unlink(name)
    if rep.errors:
        text = "; ".join("%s: %s" % e for e in rep.errors[:5])
        print("fhir_server: invalid %s: %s" % (doc["resourceType"], text), file=sys.stderr,
              flush=True)
        return text[:500]
    return ""


def outcome(text, code="invalid"):
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TestFHIR/1"
    counted = False

    def log_message(self, fmt, *args):
        if OPTS.verbose:
            sys.stderr.write("fhir_server: " + (fmt % args) + "\n")

    def send_json(self, status, body, extra=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def count_connection(self):
        if not self.counted:
            self.counted = True
            with LOCK:
                STATE["connections"] += 1

    def authorised(self):
        if not OPTS.token:
            return True
        if self.headers.get("Authorization") == "Bearer " + OPTS.token:
            return True
        with LOCK:
            STATE["auth_failures"] += 1
        return False

    def reset(self):
        # SO_LINGER 0: close() sends a TCP RST, the client sees the
        # connection torn down with no answer.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        self.wfile = open(os.devnull, "wb")

    def hang(self):
        # Never answer; wait until the client gives up (or 60 s).
        end = time.time() + 60
        while time.time() < end:
            r, _, _ = select.select([self.connection], [], [], 0.5)
            if r:
                try:
                    if not self.connection.recv(1):
                        break
                except (OSError, ssl.SSLError):
                    break
        self.close_connection = True
        self.connection.close()
        self.wfile = open(os.devnull, "wb")

    def do_GET(self):
        if self.path == "/_dump":
            with LOCK:
                body = json.dumps(STATE).encode()
            self.send_json(200, body)
            return
        self.send_json(404, outcome("no such resource", "not-found"))

    def fault_answer(self, fault):
        """Answer a fault that stores nothing; True when handled."""
        if fault == "500":
            self.send_json(500, outcome("internal error (test fault)", "exception"))
        elif fault in ("503", "503date"):
            ra = "1" if fault == "503" else email.utils.formatdate(time.time() + 4, usegmt=True)
            self.send_json(503, outcome("busy (test fault)", "transient"), {"Retry-After": ra})
        elif fault == "429":
            self.send_json(429, outcome("too many requests (test fault)", "throttled"),
                           {"Retry-After": "3"})
        elif fault == "400":
            self.send_json(400, outcome("Bundle.entry[0].resource: birthDate is not a valid "
                                        "date (test fault)"))
        elif fault == "401":
            with LOCK:
                STATE["auth_failures"] += 1
            self.send_json(401, outcome("token expired (test fault)", "login"),
                           {"WWW-Authenticate": "Bearer"})
        elif fault == "hang":
            self.hang()
        else:
            return False
        return True

    def reject(self, status, text):
        with LOCK:
            STATE["rejected"].append({"status": status, "text": text})
        self.send_json(status, outcome(text))

    def do_PUT(self):
        self.count_connection()
        body = self.read_body()
        if not self.authorised():
            self.send_json(401, outcome("missing or wrong bearer token", "login"))
            return
        parts = self.path.split("/")
        if len(parts) != 4 or parts[1] != "fhir" or parts[2] != "Questionnaire":
            self.reject(404, "unknown path")
            return
        fault = next_fault()
        if self.fault_answer(fault):
            return
        try:
            res = json.loads(body)
        except ValueError:
            self.reject(400, "body is not JSON")
            return
        if res.get("resourceType") != "Questionnaire" or res.get("id") != parts[3]:
            self.reject(400, "resource type or id does not match the url")
            return
        problem = validate(res)
        if problem:
            self.reject(422, "Questionnaire/%s: %s" % (parts[3], problem))
            return
        if self.lie_answer(fault, [("Questionnaire/" + parts[3], res)]):
            return
        url = "Questionnaire/" + parts[3]
        with LOCK:
            slot = STATE["resources"].setdefault(url, {"writes": 0})
            slot["writes"] += 1
            slot["resource"] = res
            if OPTS.check_answers:
                QUESTIONNAIRES["%s|%s" % (res.get("url"), res.get("version"))] = res
        self.finish_fault(fault, 200, res, [(url, res)])

    def do_POST(self):
        self.count_connection()
        body = self.read_body()
        if not self.authorised():
            self.send_json(401, outcome("missing or wrong bearer token", "login"))
            return
        if self.path.rstrip("/") != "/fhir":
            self.reject(404, "POST a transaction Bundle to the base url")
            return
        fault = next_fault()
        if self.fault_answer(fault):
            return
        try:
            bundle = json.loads(body)
        except ValueError:
            self.reject(400, "body is not JSON")
            return
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            self.reject(400, "not a transaction Bundle")
            return
        puts = []
        for i, e in enumerate(bundle.get("entry") or []):
            req = e.get("request") or {}
            res = e.get("resource") or {}
            url = req.get("url", "")
            if req.get("method") != "PUT":
                self.reject(400, "entry %d: only PUT with a kiosk-assigned id is accepted" % i)
                return
            if url != "%s/%s" % (res.get("resourceType"), res.get("id")):
                self.reject(400, "entry %d: url %s does not match the resource" % (i, url))
                return
            puts.append((url, res))
        if not puts:
            self.reject(400, "empty transaction")
            return
        problem = validate(bundle)
        if problem:
            self.reject(422, problem)
            return
        if self.lie_answer(fault, puts):
            return
        entries = []
        with LOCK:
            STATE["transactions"] += 1
            for url, res in puts:
                slot = STATE["resources"].setdefault(url, {"writes": 0})
                slot["writes"] += 1
                slot["resource"] = res
                entries.append({"response": {
                    "status": "201 Created" if slot["writes"] == 1 else "200 OK",
                    "location": "%s/_history/%d" % (url, slot["writes"])}})
        self.finish_fault(fault, 200, {"resourceType": "Bundle", "type": "transaction-response",
                                       "entry": entries}, puts)

    def lie_answer(self, fault, puts):
        """Answer a lie that stores nothing; True when handled."""
        if fault == "searchset":
            self.send_json(200, {"resourceType": "Bundle", "type": "searchset", "total": 0})
        elif fault == "batchfail":
            self.send_json(200, {"resourceType": "Bundle", "type": "batch-response", "entry": [
                {"response": {"status": "422 Unprocessable Entity",
                              "outcome": outcome("rejected (test fault)")}} for _ in puts]})
        elif fault == "entry422":
            entries = [{"response": {"status": "201 Created",
                                     "location": "%s/_history/1" % url}} for url, _ in puts]
            entries[-1] = {"response": {"status": "422 Unprocessable Entity"}}
            self.send_json(200, {"resourceType": "Bundle", "type": "transaction-response",
                                 "entry": entries})
        elif fault == "quote422":
            text = "Patient.name '%s' rejected" % family_name(puts)
            self.send_json(422, {"resourceType": "OperationOutcome", "issue": [{
                "severity": "error", "code": "invariant", "diagnostics": text,
                "details": {"text": text}, "expression": ["Patient.name[0].family"]}]})
        else:
            return False
        return True

    def send_huge(self, status, body):
        """body padded with spaces to HUGE bytes: the first such answer
        chunked (no length: only the client's write callback can stop it),
        the next with a Content-Length (which the client can refuse up
        front), and so on.  Counts in huge_cut the answers not read to the
        end."""
        data = json.dumps(body).encode()
        data += b" " * (HUGE - len(data))
        with LOCK:
            STATE["huge_sent"] = STATE.get("huge_sent", 0) + 1
            chunked = STATE["huge_sent"] % 2 == 1
        try:
            if not chunked:
                self.send_json(status, data)
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 1 << 16):
                part = data[i:i + (1 << 16)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (ConnectionError, ssl.SSLError, OSError):
            with LOCK:
                STATE["huge_cut"] += 1
            raise

    def finish_fault(self, fault, status, body, puts):
        """The answer after storing, shaped by a fault that stores."""
        entries = body.get("entry") if isinstance(body, dict) else None
        if fault == "reset":
            self.reset()
        elif fault == "badjson":
            self.send_json(200, b"{\"resourceType\": \"Bundle\", <html>proxy error")
        elif fault == "huge":
            self.send_huge(status, body)
        else:
            if fault == "slow":
                time.sleep(1.5)
            elif fault == "short" and entries:
                entries.pop()
            elif fault == "wrongloc" and entries:
                rtype = puts[0][0].split("/")[0]
                entries[0]["response"]["location"] = \
                    "%s/00000000-0000-0000-0000-000000000000/_history/1" % rtype
            elif fault == "locquery" and entries:
                for e in entries:
                    e["response"]["location"] += "?name=" + family_name(puts)
            self.send_json(status, body)


def family_name(puts):
    """The family name of the first Patient sent ("" without one)."""
    for _, res in puts:
        if res.get("resourceType") == "Patient":
            for n in res.get("name") or []:
                if n.get("family"):
                    return n["family"]
    return ""


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, ctx):
        self.ctx = ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so a client
        # that refuses the certificate never stalls the accept loop.
        request.settimeout(120)
        # Headers and body go out as separate writes: without NODELAY,
        # Nagle and the client's delayed ACK add ~40 ms to every answer.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with LOCK:
                STATE["tls_failures"] += 1
            if OPTS.verbose:
                print("fhir_server: TLS handshake failed: %s" % e, file=sys.stderr, flush=True)
            return
        try:
            Handler(conn, client_address, self)
        except (ConnectionError, ssl.SSLError, OSError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token")
    ap.add_argument("--client-ca")
    ap.add_argument("--faults", default="")
    ap.add_argument("--control")
    ap.add_argument("--dump")
    ap.add_argument("--ready")
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--check-answers", action="store_true",
                    help="QuestionnaireResponses must fit a Questionnaire PUT before")
    ap.add_argument("--verbose", action="store_true")
    OPTS = ap.parse_args()
    FAULTS.extend(parse_faults(OPTS.faults))
    CONTROL["path"] = OPTS.control
    load_validator()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(OPTS.cert, OPTS.key)
    ctx.set_alpn_protocols(["http/1.1"])
    if OPTS.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(OPTS.client_ca)
    srv = Server(("127.0.0.1", OPTS.port), ctx)

    def write_dump(*_):
        if OPTS.dump:
            with LOCK:
                data = json.dumps(STATE)
            with open(OPTS.dump + ".tmp", "w") as f:
                f.write(data)
            os.replace(OPTS.dump + ".tmp", OPTS.dump)

    import signal

    def on_term(*_):
        write_dump()
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if OPTS.ready:
        with open(OPTS.ready, "w") as f:
            f.write(str(os.getpid()))
    srv.serve_forever()


if __name__ == "__main__":
    main()
