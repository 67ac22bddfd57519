#!/usr/bin/env python3
"""`oauthreg serve` as an operator runs it on the open internet, over real
sockets (docs/http.md;
docs/operating.md). Each test names the rule it guards and the contract
bullet or RFC section it comes from:

- TLS (RFC 8996, RFC 9325): HTTPS on the ready line, TLS 1.2 and 1.3 only,
  SIGHUP reloads the pair for new connections and keeps a bad pair out, the
  handshake must come within the read timeout, a bad file at start is exit 2;
- rate limits (RFC 6585 4, RFC 9110 10.2.3): a token bucket per address,
  429 with Retry-After in the route family's shape, registrations on one
  budget whatever their answer, a 429 before the body closes the connection;
- behind a proxy: X-Forwarded-For only from --trusted-proxies, the rightmost
  untrusted entry, proxies exempt from the per-peer cap;
- /healthz and /readyz, also while the store hangs;
- /metrics on --metrics-listen: route templates (never ids), valid for
  `promtool check metrics`;
- OAUTHREG_* in the environment, the command line winning, --help;
- the access log: ts, remote, request_id (X-Request-Id echoed or replaced),
  and never a credential.

Every server is waited for through its ready line (never a fixed sleep) and
stopped; every loop is bounded. Certificates come from the `openssl` CLI into
a temporary directory. Under CI a missing `promtool` fails; elsewhere the
check passes with a note.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import urllib.parse
import warnings
import http.client

import harness
from harness import check
from serve import (LockedSqlite, Reader, Server, connect_from, raise_open_files_limit, request_bytes, scratch_dir,
                   write_json)

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
args = ap.parse_args()
BIN = args.oauthreg
raise_open_files_limit()

KEY = "key-org-a-user-1-" + "x" * 26
KEY2 = "key-org-b-user-9-" + "q" * 26
KEYS = write_json({"keys": [{"key": KEY, "org_id": "org-a", "user_id": "user-1"},
                            {"key_sha256": hashlib.sha256(KEY2.encode()).hexdigest(), "org_id": "org-b",
                             "user_id": "user-9"}]})
SEED = {"redirect_uris": ["https://example.com/callback"], "client_name": "operator",
        "grant_types": ["authorization_code"], "scope": "admin"}
SEED_CREATE = {"name": "operator client", "allowed_scopes": ["admin"], "client_type": "confidential",
               "allowed_grant_types": ["client_credentials"]}
METADATA = "/.well-known/oauth-authorization-server"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
SECRETS = {KEY, KEY2}  # every credential seen: none may reach a log
RUNNING = []           # servers not yet stopped: main() stops what a failed test left
LOGS = []              # the standard error of every server stopped


def note(text):
    print("NOTE:", text)


# --- servers -------------------------------------------------------------------------------------------

class OpServer(Server):
    """`oauthreg serve` with an environment of our choosing (every inherited
    OAUTHREG_ variable removed) and an http or https ready line; the ready
    line is waited for (at most 20 s), never slept for."""

    def __init__(self, *extra, env=None, listen="127.0.0.1:0"):
        argv = [BIN, "serve"] + (["--listen", listen] if listen else []) + list(extra)
        full = {k: v for k, v in os.environ.items() if not k.startswith("OAUTHREG_")}
        full.update(env or {})
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        RUNNING.append(self)
        got = []
        t = threading.Thread(target=lambda: got.append(self.p.stdout.readline()), daemon=True)
        t.start()
        t.join(20)
        if not got or not got[0]:
            self.p.kill()
            self.p.wait()
            RUNNING.remove(self)
            raise RuntimeError("oauthreg serve did not start: " + self.p.stderr.read().decode("utf-8", "replace"))
        self.ready_line = got[0].decode("utf-8")
        self.ready = json.loads(got[0])
        self.url = self.ready["listening"]
        u = urllib.parse.urlsplit(self.url)
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.log_lines = []
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self in RUNNING:
            RUNNING.remove(self)
        try:
            return Server.stop(self, sig, timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        finally:
            LOGS.append(self.log())

    def json_lines(self):
        out = []
        for line in list(self.log_lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def access_lines(self):
        return [o for o in self.json_lines() if isinstance(o, dict) and "status" in o and "method" in o]

    def wait_log(self, pred, wait=3.0):
        """The first log object for which `pred` holds, waiting up to `wait`
        seconds for the log thread (it writes behind the answers)."""
        deadline = time.monotonic() + wait
        while True:
            for o in self.json_lines():
                if isinstance(o, dict) and pred(o):
                    return o
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def line_for(self, request_id, wait=3.0):
        return self.wait_log(lambda o: o.get("request_id") == request_id and "status" in o, wait)


def exchange(srv, raw, source="127.0.0.1", see_close=False, timeout=10):
    """`raw` on a fresh connection from `source`; the first answer and, with
    `see_close`, whether the server closed the connection within 2 s after."""
    with connect_from(srv, source, timeout) as s:
        s.sendall(raw)
        rd = Reader(s)
        r = rd.read()
        if not see_close:
            return r, None
        s.settimeout(2)
        return r, rd.closed()


def answers(srv, raw, n, source="127.0.0.1"):
    """Up to `n` answers to the pipelined requests `raw` on one connection
    (fewer when the server closes), and whether it closed after them."""
    out = []
    with connect_from(srv, source) as s:
        s.sendall(raw)
        rd = Reader(s)
        try:
            for _ in range(n):
                out.append(rd.read())
        except (EOFError, ConnectionResetError):
            return out, True
        s.settimeout(2)
        return out, rd.closed()


def collect(x):
    """Collects the credentials in a JSON value (none may reach the log)."""
    if isinstance(x, dict):
        for k, y in x.items():
            if k in ("client_secret", "registration_access_token", "token", "api_key") and isinstance(y, str):
                SECRETS.add(y)
            collect(y)
    elif isinstance(x, list):
        for y in x:
            collect(y)


def remember(r):
    """Collects the credentials an answer carries; the answer."""
    try:
        collect(r.json())
    except ValueError:
        pass
    return r


def read_until_close(s, limit=1 << 20):
    data = b""
    while len(data) < limit:
        c = s.recv(65536)
        if not c:
            break
        data += c
    return data


# --- certificates ---------------------------------------------------------------------------------------

CERTS = scratch_dir()


def openssl(*argv):
    p = subprocess.run(["openssl"] + list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(argv), p.stderr.decode("utf-8", "replace")))
    return p.stdout


def self_signed(name, key_args):
    cert, key = os.path.join(CERTS, name + ".crt"), os.path.join(CERTS, name + ".key")
    openssl("req", "-x509", "-newkey", *key_args, "-nodes", "-keyout", key, "-out", cert, "-days", "2",
            "-subj", "/CN=oauthreg-test-" + name, "-addext", "subjectAltName=IP:127.0.0.1,IP:::1")
    return cert, key


# One EC certificate, one RSA certificate (both ECDHE-ECDSA and ECDHE-RSA suites
# get a turn), and an RSA key that matches neither.
C1, K1 = self_signed("one", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
C2, K2 = self_signed("two", ["rsa:2048"])
K3 = os.path.join(CERTS, "mismatch.key")
openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", K3)
BOTH = os.path.join(CERTS, "both.pem")
with open(BOTH, "w") as f:
    f.write(open(C1).read() + open(C2).read())


def der_of(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


DER1, DER2 = der_of(C1), der_of(C2)


def client_context(version=None):
    """Trusts both test certificates and checks the name (IP 127.0.0.1)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(BOTH)
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def tls_connect(srv, ctx=None, source="127.0.0.1", timeout=10):
    raw = connect_from(srv, source, timeout)
    try:
        return (ctx or client_context()).wrap_socket(raw, server_hostname="127.0.0.1")
    except Exception:
        raw.close()
        raise


def install(dst_cert, dst_key, cert, key):
    """Replaces the served files (each by a rename, as a deploy tool would)."""
    for src, dst in ((cert, dst_cert), (key, dst_key)):
        tmp = dst + ".new"
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)


def fingerprint(der):
    return hashlib.sha256(der).hexdigest()[:16]


# --- 1. TLS ---------------------------------------------------------------------------------------------

def test_tls():
    """Contract "TLS": --tls-cert/--tls-key, TLS 1.2 and 1.3 only (RFC 8996
    deprecates 1.0 and 1.1), SIGHUP re-reads both files for new connections,
    a pair that fails keeps the old one; "Fairness": the TLS handshake must
    arrive within the read timeout from the accept."""
    d = scratch_dir()
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    install(cert, key, C1, K1)
    srv = OpServer("--api-keys", KEYS, "--tls-cert", cert, "--tls-key", key, "--read-timeout-ms", "1000")
    check("TLS: the ready line says https://", srv.url.startswith("https://127.0.0.1:"), srv.ready_line)

    # A registration and a read over TLS, with a client that checks the certificate.
    conn = http.client.HTTPSConnection(srv.host, srv.port, context=client_context(), timeout=10)
    conn.request("POST", "/oauth/register", body=json.dumps(SEED),
                 headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    resp = conn.getresponse()
    body = resp.read()
    reg = json.loads(body) if resp.status == 201 else {}
    collect(reg)
    check("TLS: POST /oauth/register over HTTPS: 201 with a client_id", resp.status == 201 and "client_id" in reg,
          (resp.status, body[:200]))
    conn.request("GET", "/oauth_clients/" + reg.get("client_id", "none"), headers={"Authorization": "Bearer " + KEY})
    resp = conn.getresponse()
    got = json.loads(resp.read() or b"{}")
    check("TLS: GET /oauth_clients/{id} on the same kept-alive HTTPS connection: 200, that client",
          resp.status == 200 and got.get("data", {}).get("client_id") == reg.get("client_id"), (resp.status, got))
    check("TLS: registration_client_uri is https (the public URL defaults to the listening URL)",
          reg.get("registration_client_uri", "").startswith("https://"), reg.get("registration_client_uri"))
    conn.close()

    # Versions: 1.2 and 1.3 served, 1.1 refused.
    for version, name in [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")]:
        try:
            with tls_connect(srv, client_context(version)) as s:
                s.sendall(request_bytes("GET", "/healthz"))
                r = Reader(s).read()
                check("TLS: a %s client is served (/healthz 200)" % name, s.version() == name and r.status == 200,
                      (s.version(), r.status))
        except (ssl.SSLError, OSError) as e:
            check("TLS: a %s client is served" % name, False, repr(e))
    tls11_refused(srv)

    # SIGHUP with a new pair: new connections get it; one opened before keeps working.
    before = tls_connect(srv)
    before.sendall(request_bytes("GET", "/healthz"))
    before_reader = Reader(before)
    first = before_reader.read()
    check("TLS: before SIGHUP the first certificate is served",
          first.status == 200 and before.getpeercert(binary_form=True) == DER1)
    install(cert, key, C2, K2)
    srv.p.send_signal(signal.SIGHUP)
    ok = srv.wait_log(lambda o: "tls" in o, 5)
    check("TLS: SIGHUP logs {\"tls\": \"reloaded ...\"}", ok is not None, srv.log()[-500:])
    with tls_connect(srv) as s:
        der = s.getpeercert(binary_form=True)
        s.sendall(request_bytes("GET", "/healthz"))
        r = Reader(s).read()
    check("TLS: after SIGHUP a new connection sees the second certificate (fingerprint)",
          der == DER2 and r.status == 200, (fingerprint(der), fingerprint(DER2), r.status))
    try:
        before.sendall(request_bytes("GET", "/oauth_clients", KEY))
        r = before_reader.read()
        check("TLS: a connection opened before the SIGHUP keeps working (200, still the first certificate)",
              r.status == 200 and before.getpeercert(binary_form=True) == DER1, r.status)
    except (OSError, EOFError) as e:
        check("TLS: a connection opened before the SIGHUP keeps working", False, repr(e))

    # SIGHUP with a key that does not match: logged, the old pair stays.
    shutil.copyfile(K3, key + ".new")
    os.replace(key + ".new", key)
    srv.p.send_signal(signal.SIGHUP)
    bad = srv.wait_log(lambda o: "tls_error" in o, 5)
    check("TLS: SIGHUP with a key that does not match: a {\"tls_error\": ...} line naming the key file",
          bad is not None and key in bad["tls_error"], bad or srv.log()[-500:])
    with tls_connect(srv) as s:
        der = s.getpeercert(binary_form=True)
        s.sendall(request_bytes("GET", "/healthz"))
        r = Reader(s).read()
    check("TLS: after the failed reload new connections still get the second certificate",
          der == DER2 and r.status == 200, (fingerprint(der), r.status))
    try:
        before.sendall(request_bytes("GET", "/healthz"))
        check("TLS: ... and the connection from before the first SIGHUP still works", before_reader.read().status == 200)
    except (OSError, EOFError) as e:
        check("TLS: ... and the connection from before the first SIGHUP still works", False, repr(e))
    before.close()
    # An unreadable file also keeps the old pair, and a good pair afterwards is taken.
    os.remove(cert)
    srv.p.send_signal(signal.SIGHUP)
    n_errors = lambda: sum(1 for o in srv.json_lines() if "tls_error" in o)
    gone = srv.wait_log(lambda o: "tls_error" in o and cert in o["tls_error"], 5)
    check("TLS: SIGHUP with the certificate file gone: a tls_error naming it", gone is not None, srv.log()[-400:])
    install(cert, key, C1, K1)
    srv.p.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while sum(1 for o in srv.json_lines() if "tls" in o) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    with tls_connect(srv) as s:
        der = s.getpeercert(binary_form=True)
    check("TLS: a good pair after failed reloads is taken (the first certificate again)", der == DER1,
          (fingerprint(der), n_errors()))

    # No ClientHello, or half of one: closed within --read-timeout-ms (1000) + margin.
    for label, send in [("never sends a ClientHello", b""), ("sends 5 bytes of a ClientHello", b"\x16\x03\x01\x02\x00")]:
        with connect_from(srv, "127.0.0.2", timeout=10) as s:
            t0 = time.monotonic()
            if send:
                s.sendall(send)
            try:
                read_until_close(s)
                took = time.monotonic() - t0
            except ConnectionResetError:
                took = time.monotonic() - t0
            except socket.timeout:
                took = None
        check("Fairness: a client that %s is closed within --read-timeout-ms 1000 (+0.8 s)" % label,
              took is not None and 0.8 <= took < 1.8, took)
    with tls_connect(srv, source="127.0.0.3") as s:
        s.sendall(request_bytes("GET", "/healthz"))
        check("TLS: the server still serves after the silent clients", Reader(s).read().status == 200)
    srv.stop()
    check("TLS: every access line has ts, remote, request_id", all_tagged(srv), srv.log()[-400:])

    # Bad files at start: exit 2 with a message naming the file.
    for label, argv, needle in [
            ("a --tls-cert that does not exist", ["--tls-cert", "/nonexistent/oauthreg-cert.pem", "--tls-key", K1],
             "/nonexistent/oauthreg-cert.pem"),
            ("a --tls-key that does not exist", ["--tls-cert", C1, "--tls-key", "/nonexistent/oauthreg-key.pem"],
             "/nonexistent/oauthreg-key.pem"),
            ("a --tls-cert that is no certificate", ["--tls-cert", K1, "--tls-key", K1], K1),
            ("a key that does not match", ["--tls-cert", C1, "--tls-key", K3], K3),
            ("--tls-cert without --tls-key", ["--tls-cert", C1], "--tls-key")]:
        rc, out, err = run_serve(argv)
        check("TLS: %s at start: exit 2, nothing on stdout, a message naming %s" % (label, needle),
              rc == 2 and out == b"" and needle.encode() in err, (rc, out[:200], err[:300]))


def tls11_refused(srv):
    """RFC 8996: a TLS 1.1 client is refused by the server (not merely not tried)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        tried = True
        try:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            tried = False
    if tried:
        try:
            with tls_connect(srv, ctx) as s:
                outcome = ("handshake done", s.version())
        except ssl.SSLError as e:
            outcome = ("refused", str(e))
        except OSError as e:
            outcome = ("closed", repr(e))
        local = "NO_PROTOCOLS_AVAILABLE" in outcome[1] or "no protocols available" in outcome[1]
        if not local:
            check("RFC 8996: a TLS 1.1 client (Python ssl) is refused by the server", outcome[0] != "handshake done",
                  outcome)
        else:
            note("the local OpenSSL will not offer TLS 1.1 through Python's ssl; openssl s_client decides")
    # openssl s_client -tls1_1, at security level 0 so that the local library does offer it.
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port, "-tls1_1",
                        "-cipher", "DEFAULT@SECLEVEL=0"], input=b"", stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    text = p.stdout.decode("utf-8", "replace")
    offered = "no protocols available" not in text
    established = re.search(r"Protocol\s*:\s*TLSv1\.1", text) is not None and "Cipher is (NONE)" not in text
    check("RFC 8996: `openssl s_client -tls1_1` fails against the server", p.returncode != 0 and not established,
          (p.returncode, text[-400:]))
    if not offered:
        note("openssl s_client did not even offer TLS 1.1 here: %s" % text[-200:])


def run_serve(argv, env=None, timeout=15):
    full = {k: v for k, v in os.environ.items() if not k.startswith("OAUTHREG_")}
    full.update(env or {})
    try:
        p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:0"] + argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, env=full)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b""


def all_tagged(srv):
    lines = srv.access_lines()
    return bool(lines) and all(TS.fullmatch(str(o.get("ts", ""))) and o.get("remote") and
                               REQUEST_ID.fullmatch(str(o.get("request_id", ""))) for o in lines)


# --- 2. rate limits -------------------------------------------------------------------------------------

def retry_after_ok(r, most=None):
    v = r.headers.get("retry-after", "")
    return re.fullmatch(r"[0-9]+", v) is not None and int(v) >= 1 and (most is None or int(v) <= most)


def error_code(r):
    try:
        v = r.json()
    except ValueError:
        return None, None
    if "errors" in v:
        return "errors", v["errors"][0].get("code")
    return "error", v.get("error")


def test_rate_limit():
    """Contract "Rate limits": --rate-limit N, a token bucket with a burst of
    N per client address; 429 (RFC 6585 4) with Retry-After in whole seconds
    (RFC 9110 10.2.3), at least 1, and the route family's error body."""
    srv = OpServer("--api-keys", KEYS, "--rate-limit", "5")
    got, closed = answers(srv, request_bytes("GET", "/oauth_clients", KEY) * 7, 7, source="127.0.0.2")
    statuses = [r.status for r in got]
    check("rate limit 5: from 127.0.0.2 a burst of 5 passes, the 6th is 429",
          statuses[:6] == [200] * 5 + [429], statuses)
    if len(got) >= 6:
        r = got[5]
        check("rate limit: 429 carries Retry-After, an integer >= 1", retry_after_ok(r), r.headers)
        check("rate limit: 429 outside /oauth/register: {\"errors\": [{\"code\": \"rate_limited\"}]}",
              error_code(r) == ("errors", "rate_limited"), r.body)
        check("rate limit: 429 is application/json", r.headers.get("content-type", "").startswith("application/json"),
              r.headers)
    check("rate limit: the connection closes after the 429 (the 7th request is never answered)",
          len(got) == 6 and closed, (statuses, closed))
    r, _ = exchange(srv, request_bytes("GET", "/oauth_clients", KEY), source="127.0.0.3")
    check("rate limit: 127.0.0.3 is unaffected by 127.0.0.2's exhausted bucket", r.status == 200, r.status)
    # /oauth/register answers in RFC 7591's shape.
    got, _ = answers(srv, request_bytes("GET", METADATA) * 5 + request_bytes("POST", "/oauth/register", KEY, SEED), 6,
                     source="127.0.0.6")
    statuses = [r.status for r in got]
    check("rate limit: the 6th request, a registration, is 429", statuses == [200] * 5 + [429], statuses)
    if len(got) == 6:
        check("rate limit: 429 on /oauth/register: {\"error\": \"rate_limited\", ...} (RFC 7591 3.2.2 shape)",
              error_code(got[5]) == ("error", "rate_limited") and retry_after_ok(got[5]), got[5].body)
    # A 429 decided on the head: answered before the body is sent, then closed.
    with connect_from(srv, "127.0.0.6") as s:
        head = request_bytes("POST", "/oauth/register", KEY, SEED)
        s.sendall(head[:head.index(b"\r\n\r\n") + 4])  # the head only; the body never comes
        rd = Reader(s)
        try:
            r = rd.read()
            s.settimeout(2)
            closed = rd.closed()
        except (EOFError, OSError) as e:
            r, closed = None, repr(e)
    check("rate limit: a 429 before the body is read is answered at once and closes the connection",
          r is not None and r.status == 429 and closed is True, (r and r.status, closed))
    # The bucket refills: after Retry-After seconds the address is served again.
    wait = int(got[5].headers.get("retry-after", "1")) if len(got) == 6 else 1
    time.sleep(min(wait, 2) + 0.05)
    r, _ = exchange(srv, request_bytes("GET", METADATA), source="127.0.0.6")
    check("rate limit: after Retry-After seconds the address is served again", r.status == 200, r.status)
    srv.stop()

    # --register-rate-limit: POST /oauth/register and POST /oauth_clients on one budget; failures count.
    srv = OpServer("--api-keys", KEYS, "--register-rate-limit", "3")
    steps = [("POST /oauth/register without a key (401, counts)", "POST", "/oauth/register", None, SEED, 401),
             ("POST /oauth_clients", "POST", "/oauth_clients", KEY, SEED_CREATE, 201),
             ("POST /oauth/register", "POST", "/oauth/register", KEY, SEED, 201),
             ("a 4th, POST /oauth_clients", "POST", "/oauth_clients", KEY, SEED_CREATE, 429),
             ("a 5th, POST /oauth/register", "POST", "/oauth/register", KEY, SEED, 429)]
    last = {}
    for label, method, path, key, body, want in steps:
        r, _ = exchange(srv, request_bytes(method, path, key, body), source="127.0.0.2")
        remember(r)
        last[path] = r
        check("register rate limit 3/min: %s: %d" % (label, want), r.status == want, (r.status, r.body[:200]))
    r = last["/oauth_clients"]
    check("register rate limit: 429 on /oauth_clients in the errors envelope, Retry-After 1..60",
          r.status == 429 and error_code(r) == ("errors", "rate_limited") and retry_after_ok(r, 60),
          (r.headers, r.body))
    r = last["/oauth/register"]
    check("register rate limit: 429 on /oauth/register in RFC 7591's shape, Retry-After 1..60",
          r.status == 429 and error_code(r) == ("error", "rate_limited") and retry_after_ok(r, 60),
          (r.headers, r.body))
    r, _ = exchange(srv, request_bytes("GET", "/oauth_clients", KEY), source="127.0.0.2")
    check("register rate limit: reads from the same address are not limited by it", r.status == 200, r.status)
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED), source="127.0.0.3")
    check("register rate limit: another address has its own budget (201)", r.status == 201, r.status)
    srv.stop()


# --- 3. trusted proxies ---------------------------------------------------------------------------------

def test_trusted_proxies():
    """Contract "Behind a proxy": only a peer in --trusted-proxies names the
    client through X-Forwarded-For, the rightmost entry that is not itself a
    trusted proxy (a spoofed left part is ignored); limits and the log use it;
    trusted proxies are exempt from --max-connections-per-peer."""
    srv = OpServer("--api-keys", KEYS, "--trusted-proxies", "127.0.0.4/32", "--register-rate-limit", "1",
                   "--max-connections-per-peer", "2")
    steps = [  # (request id, source, X-Forwarded-For, expected status, expected remote)
        ("xff-first", "127.0.0.4", "10.9.9.9", 401, "10.9.9.9"),
        ("xff-again", "127.0.0.4", "10.9.9.9", 429, "10.9.9.9"),
        ("xff-spoofed", "127.0.0.4", "6.6.6.6, 10.9.9.9", 429, "10.9.9.9"),
        ("xff-proxy-last", "127.0.0.4", "10.9.9.9, 127.0.0.4", 429, "10.9.9.9"),
        ("xff-other", "127.0.0.4", "10.8.8.8", 401, "10.8.8.8"),
        ("xff-none", "127.0.0.4", None, 401, "127.0.0.4"),
        ("xff-mapped", "127.0.0.4", "::ffff:10.9.9.9", 429, "10.9.9.9"),
        ("xff-v6", "127.0.0.4", "2001:db8:1:2::1", 401, "2001:db8:1:2::1"),
        ("xff-v6-same-64", "127.0.0.4", "2001:db8:1:2::ffff", 429, "2001:db8:1:2::ffff"),
        ("xff-v6-other-64", "127.0.0.4", "2001:db8:1:3::1", 401, "2001:db8:1:3::1"),
        ("untrusted-first", "127.0.0.5", "10.9.9.9", 401, "127.0.0.5"),
        ("untrusted-again", "127.0.0.5", "10.7.7.7", 429, "127.0.0.5")]
    meaning = {"xff-first": "a trusted proxy's X-Forwarded-For names the client",
               "xff-again": "the forwarded client is what is limited",
               "xff-spoofed": "a spoofed left part ('6.6.6.6, 10.9.9.9') still gives 10.9.9.9",
               "xff-proxy-last": "a trusted proxy as the rightmost entry is skipped",
               "xff-other": "another forwarded client behind the same proxy has its own budget",
               "xff-none": "without the header the proxy itself is the client",
               "xff-mapped": "a v4-mapped entry is compared unmapped (the same client as 10.9.9.9)",
               "xff-v6": "an IPv6 client behind the proxy",
               "xff-v6-same-64": "IPv6 clients are limited per /64",
               "xff-v6-other-64": "another /64 has its own budget",
               "untrusted-first": "from an untrusted peer the header is ignored",
               "untrusted-again": "an untrusted peer cannot escape its limit by changing the header"}
    for rid, source, xff, want, remote in steps:
        extra = ["X-Request-Id: " + rid] + (["X-Forwarded-For: " + xff] if xff else [])
        r, _ = exchange(srv, request_bytes("POST", "/oauth/register", None, SEED, extra=extra), source=source)
        line = srv.line_for(rid)
        logged = line.get("remote") if line else None
        check("proxies: %s (%s, XFF %r): %d, logged remote %s" % (meaning[rid], source, xff, want, remote),
              r.status == want and (logged == remote or (rid == "xff-mapped" and logged == xff)), (r.status, line))
    # The per-peer cap (2) does not apply to the trusted proxy.
    served = {}
    for source in ("127.0.0.4", "127.0.0.5"):
        socks = []
        for _ in range(5):
            try:
                socks.append(connect_from(srv, source, timeout=5))
            except OSError:
                break
        n = 0
        for s in socks:
            try:
                s.sendall(request_bytes("GET", "/healthz", extra=["X-Forwarded-For: 10.1.1.1"]))
                n += Reader(s).read().status == 200
            except (OSError, EOFError):
                pass
        for s in socks:
            s.close()
        served[source] = n
    check("proxies: a trusted proxy is exempt from --max-connections-per-peer 2 (5 of 5 served)",
          served["127.0.0.4"] == 5, served)
    check("proxies: an untrusted peer keeps its cap of 2 (2 of 5 served)", served["127.0.0.5"] == 2, served)
    srv.stop()
    # A listener on a v4-mapped IPv6 address sees ::ffff:127.0.0.4: still the trusted proxy once unmapped.
    srv = OpServer("--api-keys", KEYS, "--trusted-proxies", "127.0.0.4/32", listen="[::ffff:127.0.0.1]:0")
    srv.host = "127.0.0.1"
    for rid, source, want in [("mapped-proxy", "127.0.0.4", "10.9.9.9"), ("mapped-peer", "127.0.0.5", "127.0.0.5")]:
        exchange(srv, request_bytes("GET", "/healthz", extra=["X-Request-Id: " + rid, "X-Forwarded-For: 10.9.9.9"]),
                 source=source)
        line = srv.line_for(rid)
        check("proxies: on a v4-mapped listener, %s is compared unmapped (remote %s)" % (source, want),
              line is not None and line.get("remote") == want, line)
    srv.stop()
    rc, out, err = run_serve(["--trusted-proxies", "10.0.0.0/33"])
    check("proxies: a bad CIDR at start: exit 2 naming --trusted-proxies", rc == 2 and b"--trusted-proxies" in err,
          (rc, err))


# --- 4. health ------------------------------------------------------------------------------------------

def timed(srv, raw, source="127.0.0.1"):
    t0 = time.monotonic()
    r, _ = exchange(srv, raw, source, timeout=20)
    return r, time.monotonic() - t0


def head_only(srv, path):
    """A HEAD request with Connection: close: the status, headers and whatever followed the head."""
    with connect_from(srv) as s:
        s.sendall(request_bytes("HEAD", path, extra=["Connection: close"]))
        data = read_until_close(s)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return int(lines[0].split(" ")[1]), headers, rest


def test_health():
    """Contract "Health": GET /healthz 200 {"status":"ok"} without a key;
    /readyz 200 when the store answers a trivial query within 1 s, else 503;
    both answered while the store hangs (RFC 9110 9.3.2 for HEAD)."""
    srv = OpServer("--api-keys", KEYS)
    r, _ = exchange(srv, request_bytes("GET", "/healthz"))
    check("health: GET /healthz without a key: 200 {\"status\":\"ok\"}",
          r.status == 200 and r.json() == {"status": "ok"} and
          r.headers.get("content-type", "").startswith("application/json"), (r.status, r.body))
    status, headers, rest = head_only(srv, "/healthz")
    check("health: HEAD /healthz: 200, GET's length, no content",
          status == 200 and headers.get("content-length") == str(len(r.body)) and rest == b"", (status, headers, rest))
    r, _ = exchange(srv, request_bytes("GET", "/readyz"))
    check("health: /readyz on memory: 200", r.status == 200 and r.json() == {"status": "ok"}, (r.status, r.body))
    status, _, rest = head_only(srv, "/readyz")
    check("health: HEAD /readyz: 200, no content", status == 200 and rest == b"", status)
    r, _ = exchange(srv, request_bytes("GET", "/healthz", KEY[:-1] + "!"))
    check("health: /healthz ignores a wrong key (no auth): 200", r.status == 200, r.status)
    srv.p.send_signal(signal.SIGHUP)  # without TLS there is nothing to reload, and nothing to die of
    r, _ = exchange(srv, request_bytes("GET", "/healthz"))
    check("health: SIGHUP on a plain-HTTP server: still serving", r.status == 200 and srv.p.poll() is None, r.status)
    srv.stop()

    path = os.path.join(scratch_dir(), "ready.db")
    srv = OpServer("--api-keys", KEYS, "--store", "sqlite:" + path)
    r, _ = exchange(srv, request_bytes("GET", "/readyz"))
    check("health: /readyz on SQLite: 200", r.status == 200, (r.status, r.body))
    with LockedSqlite(path):
        r, took = timed(srv, request_bytes("GET", "/readyz"))
        check("health: /readyz while another process holds BEGIN IMMEDIATE: 503 within 1.5 s",
              r.status == 503 and took < 1.5, (r.status, round(took, 3)))
        r, took = timed(srv, request_bytes("GET", "/healthz"))
        check("health: /healthz during the lock: 200 at once (under 0.5 s)", r.status == 200 and took < 0.5,
              (r.status, round(took, 3)))
    deadline = time.monotonic() + 5
    while True:
        r, took = timed(srv, request_bytes("GET", "/readyz"))
        if r.status == 200 or time.monotonic() > deadline:
            break
    check("health: after ROLLBACK /readyz is 200 again", r.status == 200, (r.status, round(took, 3)))
    srv.stop()


# --- 5. metrics -----------------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)$')


def scrape(srv):
    u = urllib.parse.urlsplit(srv.ready["metrics"])
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", u.path)
    resp = conn.getresponse()
    text = resp.read().decode("utf-8")
    ctype = resp.getheader("Content-Type", "")
    conn.close()
    samples = []
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m and not line.startswith("#"):
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            samples.append((m.group(1), labels, float(m.group(3))))
    return resp.status, ctype, text, samples


def value(samples, name, **labels):
    found = [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]
    return sum(found) if found else None


def test_metrics():
    """Contract "Metrics": --metrics-listen serves GET /metrics in the
    Prometheus text format (valid for promtool), with the named series; route
    labels are templates, never ids; method one of GET HEAD POST PUT DELETE
    OTHER."""
    srv = OpServer("--api-keys", KEYS, "--metrics-listen", "127.0.0.1:0", "--register-rate-limit", "4")
    murl = srv.ready.get("metrics", "")
    check("metrics: the ready line has \"metrics\": \"http://127.0.0.1:PORT/metrics\"",
          re.fullmatch(r"http://127\.0\.0\.1:\d+/metrics", murl) is not None, srv.ready_line)
    if not murl:
        srv.stop()
        return
    status, ctype, text, samples = scrape(srv)
    check("metrics: before any request the counters exist at 0",
          status == 200 and value(samples, "oauthreg_rate_limited_total") == 0 and
          value(samples, "oauthreg_clients_registered_total") == 0 and
          value(samples, "oauthreg_store_errors_total") == 0, text[-400:])
    ids = []
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", None, SEED))       # 401, counts
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, {"redirect_uris": "x"}))  # 400
    bad_reg = r.status
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED))
    remember(r)
    ids.append(r.json().get("client_id", "") if r.status == 201 else "")
    token = r.json().get("registration_access_token") if r.status == 201 else None
    r, _ = exchange(srv, request_bytes("POST", "/oauth_clients", KEY, SEED_CREATE))
    remember(r)
    ids.append(r.json().get("data", {}).get("client_id", "") if r.status == 201 else "")
    check("metrics: setup: two clients registered (201), one registration refused %d" % bad_reg,
          all(ids) and bad_reg == 400, (ids, bad_reg))
    mid = value(scrape(srv)[3], "oauthreg_rate_limited_total")
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED))
    check("metrics: setup: the 5th registration attempt is 429", r.status == 429, r.status)
    for cid in ids:
        r, _ = exchange(srv, request_bytes("GET", "/oauth_clients/" + cid, KEY))
        check("metrics: setup: GET /oauth_clients/{id} 200", r.status == 200, r.status)
    if token:
        exchange(srv, request_bytes("GET", "/oauth/register/" + ids[0], token))
    exchange(srv, request_bytes("GET", "/oauth_clients/no-such-client-zz9", KEY))
    head_only(srv, "/healthz")
    exchange(srv, request_bytes("GET", "/readyz"))
    exchange(srv, request_bytes("PATCH", "/oauth_clients/" + ids[0], KEY, {"name": "x"}))
    exchange(srv, request_bytes("GET", "/nowhere/" + ids[1]))
    r, _ = exchange(srv, request_bytes("GET", "/metrics"))
    check("metrics: /metrics is not served on the API listener", r.status != 200 and b"oauthreg_" not in r.body,
          r.status)
    idle = [connect_from(srv) for _ in range(3)]
    for s in idle:  # each answered once, then kept alive
        s.sendall(request_bytes("GET", "/healthz"))
        Reader(s).read()
    status, ctype, text, samples = scrape(srv)
    check("metrics: GET /metrics: 200 text/plain", status == 200 and ctype.startswith("text/plain"), (status, ctype))
    odd = [l for l in text.splitlines() if l and not l.startswith("# ") and not SAMPLE.match(l)]
    check("metrics: every line is a comment or a sample, ending in a newline", not odd and text.endswith("\n"), odd[:3])
    check("metrics: oauthreg_http_requests_total{route=\"/oauth/register\",method=\"POST\",status=\"201\"} 1",
          value(samples, "oauthreg_http_requests_total", route="/oauth/register", method="POST", status="201") == 1,
          [s for s in samples if s[0] == "oauthreg_http_requests_total"])
    check("metrics: the 401, 400 and 429 registrations are counted under their status",
          all(value(samples, "oauthreg_http_requests_total", route="/oauth/register", method="POST", status=st) == 1
              for st in ("401", "400", "429")))
    check("metrics: GET /oauth_clients/{id} counted under the template (200 twice, 404 once)",
          value(samples, "oauthreg_http_requests_total", route="/oauth_clients/{id}", method="GET", status="200") == 2
          and value(samples, "oauthreg_http_requests_total", route="/oauth_clients/{id}", method="GET",
                    status="404") == 1, [s for s in samples if s[1].get("route") == "/oauth_clients/{id}"])
    check("metrics: HEAD /healthz counted with method HEAD",
          value(samples, "oauthreg_http_requests_total", route="/healthz", method="HEAD", status="200") == 1)
    check("metrics: PATCH is method OTHER",
          value(samples, "oauthreg_http_requests_total", method="OTHER") is not None)
    routes = {l.get("route") for n, l, v in samples if n.startswith("oauthreg_http_")} - {None}
    templates = {"/oauth/register", "/oauth/register/{client_id}", "/oauth_clients", "/oauth_clients/{id}",
                 "/.well-known/oauth-authorization-server", "/healthz", "/readyz", "other"}
    check("metrics: every route label is a route template", routes <= templates and len(routes) >= 5, routes)
    methods = {l.get("method") for n, l, v in samples if n == "oauthreg_http_requests_total"}
    check("metrics: every method label is GET, HEAD, POST, PUT, DELETE or OTHER",
          methods <= {"GET", "HEAD", "POST", "PUT", "DELETE", "OTHER"}, methods)
    check("metrics: no client id appears anywhere in /metrics", all(cid not in text for cid in ids if cid),
          [cid for cid in ids if cid in text])
    check("metrics: oauthreg_http_request_duration_seconds is a histogram with buckets, +Inf, _sum, _count",
          "# TYPE oauthreg_http_request_duration_seconds histogram" in text and
          value(samples, "oauthreg_http_request_duration_seconds_bucket", route="/oauth/register", le="+Inf") == 4 and
          value(samples, "oauthreg_http_request_duration_seconds_count", route="/oauth/register") == 4 and
          value(samples, "oauthreg_http_request_duration_seconds_sum", route="/oauth/register") is not None,
          [s for s in samples if "duration" in s[0] and s[1].get("route") == "/oauth/register"][-3:])
    opened = value(samples, "oauthreg_http_connections_open")
    check("metrics: oauthreg_http_connections_open counts the 3 kept-alive connections (a gauge)",
          "# TYPE oauthreg_http_connections_open gauge" in text and opened is not None and opened >= 3, opened)
    check("metrics: oauthreg_rate_limited_total went from 0 to 1 with the 429",
          mid == 0 and value(samples, "oauthreg_rate_limited_total") == 1, (mid, value(samples,
                                                                                         "oauthreg_rate_limited_total")))
    check("metrics: oauthreg_clients_registered_total counts the two 201s (not the 400, 401, 429)",
          value(samples, "oauthreg_clients_registered_total") == 2, value(samples, "oauthreg_clients_registered_total"))
    check("metrics: oauthreg_store_errors_total present (0)", value(samples, "oauthreg_store_errors_total") == 0)
    for s in idle:
        s.close()
    deadline = time.monotonic() + 3
    while True:
        now_open = value(scrape(srv)[3], "oauthreg_http_connections_open")
        if now_open == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check("metrics: oauthreg_http_connections_open falls back to 0 once they close", now_open == 0, now_open)
    promtool(text)
    srv.stop()


def promtool(text):
    tool = shutil.which("promtool")
    if tool is None:
        if os.environ.get("CI"):
            check("metrics: promtool is installed under CI (Debian prometheus)", False)
        else:
            note("promtool not found (Debian `prometheus`): `promtool check metrics` skipped")
            check("metrics: promtool check metrics (skipped: no promtool)", True)
        return
    p = subprocess.run([tool, "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    check("metrics: `promtool check metrics` accepts /metrics (stdin)", p.returncode == 0 and not p.stdout.strip(),
          (p.returncode, p.stdout.decode("utf-8", "replace")[:500]))


# --- 6. configuration -----------------------------------------------------------------------------------

def test_configuration():
    """Contract "Configuration": every long flag also as OAUTHREG_ + its name
    (upper case, '-' as '_'); a flag on the command line wins; --help lists
    every flag with its default and exits 0."""
    d = scratch_dir()
    store = os.path.join(d, "env.db")
    env = {"OAUTHREG_LISTEN": "127.0.0.1:0", "OAUTHREG_STORE": "sqlite:" + store, "OAUTHREG_API_KEYS": KEYS,
           "OAUTHREG_RATE_LIMIT": "2", "OAUTHREG_METRICS_LISTEN": "127.0.0.1:0",
           "OAUTHREG_TLS_CERT": C1, "OAUTHREG_TLS_KEY": K1}
    srv = OpServer(env=env, listen=None)
    check("configuration: OAUTHREG_LISTEN, OAUTHREG_TLS_CERT/KEY and OAUTHREG_METRICS_LISTEN: an https ready line "
          "with metrics and no generated key",
          srv.url.startswith("https://127.0.0.1:") and "metrics" in srv.ready and "api_key" not in srv.ready,
          srv.ready_line)
    check("configuration: OAUTHREG_STORE=sqlite:PATH creates the file", os.path.exists(store))
    with tls_connect(srv) as s:
        s.sendall(request_bytes("POST", "/oauth/register", KEY2, SEED))
        r = remember(Reader(s).read())
    check("configuration: a key from OAUTHREG_API_KEYS's file registers (201)", r.status == 201, (r.status, r.body))
    with tls_connect(srv, source="127.0.0.2") as s:
        s.sendall(request_bytes("GET", METADATA) * 3)
        rd = Reader(s)
        got = []
        try:
            for _ in range(3):
                got.append(rd.read().status)
        except (EOFError, OSError, ssl.SSLError):
            pass
    check("configuration: OAUTHREG_RATE_LIMIT=2: the 3rd of a burst is 429", got == [200, 200, 429], got)
    srv.stop()
    con = sqlite3.connect(store)
    n = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    con.close()
    check("configuration: the environment's SQLite file holds the schema", n > 0, n)

    # The command line wins.
    env_store, flag_store = os.path.join(d, "from-env.db"), os.path.join(d, "from-flag.db")
    env = {"OAUTHREG_STORE": "sqlite:" + env_store, "OAUTHREG_RATE_LIMIT": "1",
           "OAUTHREG_API_KEYS": "/nonexistent/keys.json", "OAUTHREG_LISTEN": "127.0.0.1:1"}
    srv = OpServer("--store", "sqlite:" + flag_store, "--rate-limit", "0", "--api-keys", KEYS, env=env)
    check("configuration: --listen wins over OAUTHREG_LISTEN", srv.port != 1, srv.ready_line)
    check("configuration: --store wins over OAUTHREG_STORE (only the flag's file exists)",
          os.path.exists(flag_store) and not os.path.exists(env_store))
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED))
    remember(r)
    check("configuration: --api-keys wins over a missing OAUTHREG_API_KEYS file", r.status == 201, r.status)
    got, _ = answers(srv, request_bytes("GET", METADATA) * 4, 4, source="127.0.0.2")
    check("configuration: --rate-limit 0 wins over OAUTHREG_RATE_LIMIT=1 (4 of 4 served)",
          [r.status for r in got] == [200] * 4, [r.status for r in got])
    srv.stop()

    # The environment's values are checked like the flags'.
    rc, out, err = run_serve([], env={"OAUTHREG_RATE_LIMIT": "lots"})
    check("configuration: OAUTHREG_RATE_LIMIT=lots: exit 2 naming --rate-limit and the variable",
          rc == 2 and b"--rate-limit" in err and b"(from OAUTHREG_RATE_LIMIT)" in err and out == b"", (rc, err[:200]))
    rc, out, err = run_serve([], env={"OAUTHREG_API_KEYS": "/nonexistent/keys.json"})
    check("configuration: OAUTHREG_API_KEYS naming a missing file: exit 2 naming it",
          rc == 2 and b"/nonexistent/keys.json" in err, (rc, err[:200]))
    rc, out, err = run_serve(["--public-url"], env={"OAUTHREG_STORE": "memory"})
    check("configuration: a flag left without its value says so, even with OAUTHREG_* set (no option is "
          "taken for its value)", rc == 2 and b"--public-url needs a value" in err, (rc, err[:200]))

    # --help
    p = subprocess.run([BIN, "serve", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=15)
    text = p.stdout.decode()
    blocks, current = {}, None
    for line in text.splitlines():
        m = re.match(r"  (--[a-z-]+)", line)
        if m:
            current = m.group(1)
            blocks[current] = line
        elif current and line.startswith("      "):
            blocks[current] += " " + line.strip()
        else:
            current = None
    flags = ["--listen", "--store", "--api-keys", "--public-url", "--profile", "--trusted-issuers", "--tls-cert",
             "--tls-key", "--threads", "--store-threads", "--store-queue", "--max-connections",
             "--max-connections-per-peer", "--rate-limit", "--register-rate-limit", "--trusted-proxies",
             "--metrics-listen", "--header-limit", "--read-timeout-ms", "--idle-timeout-ms", "--drain-timeout-ms",
             "--registration", "--open-org", "--max-clients-per-org", "--secret-lifetime", "--reap-idle",
             "--cimd", "--cimd-allow-loopback", "--cimd-ca-file", "--cimd-timeout-ms", "--cimd-min-ttl",
             "--cimd-max-ttl", "--cimd-max-entries", "--as-metadata"]
    missing = [f for f in flags if f not in blocks]
    no_default = [f for f in flags if f in blocks and "default" not in blocks[f]]
    check("configuration: serve --help exits 0 on stdout, nothing on stderr", p.returncode == 0 and p.stderr == b"",
          (p.returncode, p.stderr[:200]))
    check("configuration: serve --help lists every flag", not missing, missing)
    check("configuration: serve --help gives every flag's default", not no_default, no_default)
    check("configuration: serve --help names the OAUTHREG_ environment", "OAUTHREG_" in text)
    unknown = sorted(set(blocks) - set(flags) - {"--help"})
    check("configuration: serve --help lists no flag this test does not know (keep the list current)", not unknown,
          unknown)


# --- 7. access log --------------------------------------------------------------------------------------

def test_access_log():
    """Contract "Access log": each line has ts (RFC 3339 UTC with
    milliseconds), remote (the client address, no port) and request_id (the
    caller's X-Request-Id when 1-128 of [A-Za-z0-9._-], else a fresh one),
    echoed in the answer's X-Request-Id; never a key, secret or token."""
    srv = OpServer("--api-keys", KEYS)
    started = datetime.datetime.now(datetime.timezone.utc)
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED, extra=["X-Request-Id: reg.Op_1-a"]))
    remember(r)
    reg = r.json() if r.status == 201 else {}
    check("access log: a valid X-Request-Id is echoed", r.headers.get("x-request-id") == "reg.Op_1-a", r.headers)
    line = srv.line_for("reg.Op_1-a")
    check("access log: ... and logged as request_id", line is not None, srv.log()[-300:])
    if line:
        ts = line.get("ts", "")
        check("access log: ts is RFC 3339 UTC with milliseconds, ending Z", TS.fullmatch(ts) is not None, ts)
        try:
            when = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
            close = abs((when - started).total_seconds()) < 60
        except ValueError:
            close = False
        check("access log: ts is now (UTC)", close, (ts, started.isoformat()))
        check("access log: remote is the address without a port", line.get("remote") == "127.0.0.1", line)
    long_ok = "A" * 127 + "z"
    for label, given in [("128 characters", long_ok), ("one character", "-")]:
        r, _ = exchange(srv, request_bytes("GET", METADATA, extra=["X-Request-Id: " + given]))
        check("access log: a valid X-Request-Id of %s is echoed and logged" % label,
              r.headers.get("x-request-id") == given and srv.line_for(given) is not None, r.headers.get("x-request-id"))
    fresh = []
    for label, given in [("129 characters", "A" * 129), ("a slash", "abc/def"), ("a space", "abc def"),
                         ("a bang", "abc!"), ("a colon", "a:b"), ("UTF-8", "caf\u00e9"), ("empty", "")]:
        r, _ = exchange(srv, request_bytes("GET", METADATA, extra=["X-Request-Id: " + given]))
        echoed = r.headers.get("x-request-id", "")
        fresh.append(echoed)
        check("access log: an invalid X-Request-Id (%s) is replaced by a fresh valid one, echoed and logged" % label,
              echoed != given and REQUEST_ID.fullmatch(echoed) is not None and srv.line_for(echoed) is not None,
              (echoed, r.status))
    for _ in range(2):
        r, _ = exchange(srv, request_bytes("GET", METADATA))
        fresh.append(r.headers.get("x-request-id", ""))
    check("access log: without X-Request-Id each answer gets a fresh valid one, all different",
          len(set(fresh)) == len(fresh) and all(REQUEST_ID.fullmatch(x) for x in fresh), fresh)
    r, _ = exchange(srv, request_bytes("GET", "/oauth_clients", KEY), source="127.0.0.2")
    line = srv.line_for(r.headers.get("x-request-id", "?"))
    check("access log: remote from 127.0.0.2 is 127.0.0.2", line is not None and line.get("remote") == "127.0.0.2",
          line)
    # Credentials that must never be logged: keys (good and wrong), the secret and token just issued,
    # and a secret in a query string.
    wrong = "wrong-key-" + "w" * 30
    exchange(srv, request_bytes("GET", "/oauth_clients", wrong))
    SECRETS.add(wrong)
    if reg.get("registration_access_token"):
        r, _ = exchange(srv, request_bytes("GET", "/oauth/register/" + reg["client_id"],
                                           reg["registration_access_token"]))
        remember(r)
    query_secret = "qs-secret-" + "s" * 20
    exchange(srv, request_bytes("GET", "/oauth_clients?client_secret=" + query_secret, KEY))
    SECRETS.add(query_secret)
    r, _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: t\r\nX-Bad : 1\r\n\r\n")
    check("access log: a malformed request is still answered with an X-Request-Id",
          REQUEST_ID.fullmatch(r.headers.get("x-request-id", "")) is not None, r.headers)
    srv.line_for(r.headers.get("x-request-id", "?"))
    srv.stop()
    check("access log: every access line has ts, remote and request_id", all_tagged(srv), srv.log()[-400:])
    log = srv.log()
    leaked = [s[:12] + "..." for s in SECRETS if s and s in log]
    check("access log: no API key, secret or token is ever logged (%d checked)" % len(SECRETS), not leaked, leaked)
    check("access log: no Authorization or Bearer text in the log", "Bearer" not in log and '"authorization"' not in log.lower(),
          [l for l in srv.log_lines if "Bearer" in l][:3])
    # IPv6: remote is the bare address.
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
        have_v6 = True
    except OSError:
        have_v6 = False
    if have_v6:
        srv = OpServer("--api-keys", KEYS, listen="[::1]:0")
        with socket.create_connection(("::1", srv.port), timeout=10) as s:
            s.sendall(request_bytes("GET", METADATA, extra=["X-Request-Id: v6-check"]))
            Reader(s).read()
        line = srv.line_for("v6-check")
        check("access log: from ::1, remote is \"::1\" (no brackets, no port)",
              line is not None and line.get("remote") == "::1", line)
        srv.stop()
    else:
        note("no ::1 here: the IPv6 remote check is skipped")


def main():
    t0 = time.monotonic()
    for test in [test_tls, test_rate_limit, test_trusted_proxies, test_health, test_metrics, test_configuration,
                 test_access_log]:
        t = time.monotonic()
        try:
            test()
        except Exception as e:  # a server that stops answering fails that test, and the others still run
            check(test.__name__ + " ran to its end", False, repr(e))
        finally:
            for srv in list(RUNNING):
                srv.stop(signal.SIGKILL)
        print("%s: %.1f s" % (test.__name__, time.monotonic() - t))
    leaked = sorted({x[:12] + "..." for x in SECRETS for log in LOGS if x and x in log})
    check("access log: no server's log, in any test, holds a key, secret or token seen (%d servers, %d credentials)"
          % (len(LOGS), len(SECRETS)), LOGS and not leaked, leaked)
    print("total: %.1f s" % (time.monotonic() - t0))
    raise SystemExit(harness.finish())


main()
