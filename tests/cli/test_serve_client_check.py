#!/usr/bin/env python3
"""The client check, Client ID Metadata Documents and `private_key_jwt` of
`oauthreg serve` (and `oauthreg run`), end to end over real sockets against
the real binary (docs/client-check.md; DESIGN.md "The client check, Client ID
Metadata Documents and `private_key_jwt`"). Each check names its rule:

1. roles: only an `authorization_server` key may call POST /oauth/client_check,
   and such a key may call nothing else;
2. registered clients: secret, public and loopback-redirect (RFC 6749 2.3,
   RFC 8252 7.3), the credential judged before the redirect URI;
3. Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document)
   from a local HTTPS server made at run time (a throwaway CA and a leaf for
   localhost / 127.0.0.1 made with the openssl command): good, mismatched,
   oversized, redirected, slow, secret-bearing, shared-secret, gzip,
   client_credentials documents; 422/502 on GET /oauth_clients/{url}; the
   cache (errors never kept, one fetch for many checks, the minimum TTL);
   RFC 8414 metadata;
4. SSRF: without --cimd-allow-loopback nothing on loopback is connected to;
   --cimd-allow-loopback only on a loopback listener and only with --cimd;
5. private_key_jwt (RFC 7523) assertions signed here with the openssl command:
   RS256, PS256, ES256, EdDSA, and each way an assertion must be refused;
6. replay across two instances on one SQLite file;
7. `oauthreg run` answers resolve and client_check;
8. --as-metadata.

Every server is waited for through its ready line (never a fixed sleep) and
stopped; every loop is bounded.
"""
import argparse
import base64
import collections
import gzip
import hashlib
import hmac
import http.server
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

import harness
from harness import check
from serve import Server, call, error_code, raise_open_files_limit, scratch_dir, write_json

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
args = ap.parse_args()
BIN = args.oauthreg
raise_open_files_limit()

KEY_M = "key-org-a-management-u1-" + "m" * 20
KEY_AS = "key-authorization-server-" + "s" * 20
KEY_AS_ISS = "key-as-with-its-issuer-" + "i" * 20
AS_ISSUER = "https://as.example.com"
KEYS_DOC = {"keys": [
    {"key": KEY_M, "org_id": "org-a", "user_id": "u1"},
    {"key": KEY_AS, "role": "authorization_server"},
    {"key": KEY_AS_ISS, "role": "authorization_server", "issuer": AS_ISSUER}]}
KEYS = write_json(KEYS_DOC)
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CIMD_TIMEOUT_MS = 500
SLOW_SECONDS = 3.0           # the slow documents take this long, far beyond --cimd-timeout-ms
SLOW_BOUND = 2.0             # a check of a slow document answers within this (timeout + slack)
RUNNING = []
SCRATCH = scratch_dir()


def serve(*extra, keys=None):
    srv = Server(BIN, "--api-keys", keys or KEYS, *extra)
    RUNNING.append(srv)
    return srv


def stop(srv):
    if srv in RUNNING:
        RUNNING.remove(srv)
    try:
        return srv.stop(timeout=30)
    except subprocess.TimeoutExpired:
        srv.p.kill()
        srv.p.wait()
        return None


def q(s):
    return urllib.parse.quote(s, safe="")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def openssl(*argv, stdin=None):
    p = subprocess.run(["openssl"] + list(argv), input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(argv), p.stderr.decode("utf-8", "replace")))
    return p.stdout


def start_refused(argv, timeout=30):
    """Runs `oauthreg serve argv...`, which must not start; (exit code, stdout, stderr).
    One that does start (a ready line) is stopped and reported as such."""
    p = subprocess.Popen([BIN, "serve"] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return ("started, killed", out, err)
    return p.returncode, out, err


# --- the throwaway CA and the local HTTPS document server --------------------------------------------------

def make_ca(d):
    """ca.pem and a leaf for localhost and 127.0.0.1 (leaf.pem, leaf.key) it signed."""
    j = lambda n: os.path.join(d, n)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=oauthreg test CA", "-keyout", j("ca.key"), "-out", j("ca.pem"),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
            "-keyout", j("leaf.key"), "-out", j("leaf.csr"))
    with open(j("leaf.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", j("leaf.csr"), "-CA", j("ca.pem"), "-CAkey", j("ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", j("leaf.ext"), "-out", j("leaf.pem"))
    return j("ca.pem"), j("leaf.pem"), j("leaf.key")


class DocServer:
    """HTTPS on 127.0.0.1:0 in a thread: serves `self.docs[path]`, counts
    accepted TCP connections (`accepted`) and requests per path (`hits`)."""

    def __init__(self, cert, key):
        self.docs = {}
        self.hits = collections.Counter()
        self.accepted = 0
        self.lock = threading.Lock()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path
                with owner.lock:
                    owner.hits[path] += 1
                    spec = owner.docs.get(path)
                if spec is None:
                    spec = {"status": 404, "body": b"not here", "headers": []}
                try:
                    if spec.get("delay"):
                        time.sleep(spec["delay"])
                    body = spec["body"]
                    self.send_response(spec.get("status", 200))
                    if not any(h[0].lower() == "content-type" for h in spec.get("headers", [])):
                        self.send_header("Content-Type", "application/json")
                    for k, v in spec.get("headers", []):
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.flush()
                    if spec.get("dribble"):
                        for i in range(len(body)):          # bounded: one byte at a time, then stop
                            self.wfile.write(body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(spec["dribble"])
                    else:
                        self.wfile.write(body)
                except (OSError, ssl.SSLError):
                    pass  # the registry gave up (a slow document): expected

        class TLSServer(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                sock, addr = super().get_request()
                with owner.lock:
                    owner.accepted += 1
                return sock, addr

            def finish_request(self, request, client_address):
                request.settimeout(15)
                try:
                    tls = ctx.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError):
                    return
                try:
                    Handler(tls, client_address, self)
                except (OSError, ssl.SSLError):
                    pass
                finally:
                    try:
                        tls.close()
                    except OSError:
                        pass

        self.httpd = TLSServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = "https://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return self.base + path

    def put(self, path, body, status=200, headers=(), **kw):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        with self.lock:
            self.docs[path] = dict(kw, status=status, body=body, headers=list(headers))

    def count(self, path):
        with self.lock:
            return self.hits[path]

    def connections(self):
        with self.lock:
            return self.accepted

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- keys and assertions, with the openssl command ---------------------------------------------------------

class Key:
    """A fresh private key of one JOSE algorithm, its public JWK, and signing."""

    def __init__(self, alg, kid):
        self.alg, self.kid = alg, kid
        self.path = os.path.join(SCRATCH, "%s-%s.pem" % (alg, uuid.uuid4().hex[:8]))
        if alg in ("RS256", "PS256"):
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", self.path)
        elif alg == "ES256":
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", self.path)
        else:
            openssl("genpkey", "-algorithm", "ED25519", "-out", self.path)
        self.jwk = self._jwk()

    def _jwk(self):
        base = {"kid": self.kid, "use": "sig", "alg": self.alg}
        if self.alg in ("RS256", "PS256"):
            mod = openssl("rsa", "-in", self.path, "-noout", "-modulus").decode().strip()
            n = bytes.fromhex(mod.split("=", 1)[1])
            text = openssl("rsa", "-in", self.path, "-noout", "-text").decode()
            e = int(text.split("publicExponent:", 1)[1].split()[0])
            eb = e.to_bytes((e.bit_length() + 7) // 8, "big")
            return dict(base, kty="RSA", n=b64u(n), e=b64u(eb))
        der = openssl("pkey", "-in", self.path, "-pubout", "-outform", "DER")
        if self.alg == "ES256":
            point = der[-65:]
            assert point[0] == 4, "an uncompressed P-256 point ends the SubjectPublicKeyInfo"
            return dict(base, kty="EC", crv="P-256", x=b64u(point[1:33]), y=b64u(point[33:]))
        return dict(base, kty="OKP", crv="Ed25519", x=b64u(der[-32:]))

    def sign(self, data):
        src = os.path.join(SCRATCH, "in-" + uuid.uuid4().hex)
        sig = src + ".sig"
        with open(src, "wb") as f:
            f.write(data)
        if self.alg == "RS256":
            openssl("dgst", "-sha256", "-sign", self.path, "-out", sig, src)
        elif self.alg == "PS256":
            openssl("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                    "-sign", self.path, "-out", sig, src)
        elif self.alg == "ES256":
            openssl("dgst", "-sha256", "-sign", self.path, "-out", sig, src)
        else:
            openssl("pkeyutl", "-sign", "-rawin", "-inkey", self.path, "-in", src, "-out", sig)
        with open(sig, "rb") as f:
            out = f.read()
        os.remove(src)
        os.remove(sig)
        return der_to_jose(out) if self.alg == "ES256" else out


def der_to_jose(der):
    """ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to JOSE's 64-byte r || s (RFC 7518 3.4)."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    parts = []
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\0")
        parts.append(v.rjust(32, b"\0"))
        i += 2 + n
    return parts[0] + parts[1]


def jws(header, claims, key=None, signature=None):
    signing_input = (b64u(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64u(json.dumps(claims, separators=(",", ":")).encode()))
    if signature is None:
        signature = key.sign(signing_input.encode()) if key else b""
    return signing_input + "." + b64u(signature)


def claims_for(client_id, aud, **over):
    now = int(time.time())
    c = {"iss": client_id, "sub": client_id, "aud": aud, "exp": now + 120, "iat": now - 1, "jti": uuid.uuid4().hex}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def assertion(key, client_id, aud, kid=None, alg=None, **over):
    return jws({"alg": alg or key.alg, "kid": kid or key.kid}, claims_for(client_id, aud, **over), key)


def client_check(srv, body, key=KEY_AS):
    return call(srv, "POST", "/oauth/client_check", key, body)


def with_assertion(client_id, a, atype=JWT_BEARER, **extra):
    body = {"client_id": client_id, "client_assertion": a}
    if atype is not None:
        body["client_assertion_type"] = atype
    body.update(extra)
    return body


def is_invalid_client(r):
    return r.status == 401 and error_code(r) == "invalid_client"


def register(srv, body, key=KEY_M):
    r = call(srv, "POST", "/oauth/register", key, body)
    return r, (r.json() if r.status == 201 else {})


# --- the fixtures: CA, document server, keys ---------------------------------------------------------------

CA, LEAF, LEAF_KEY = make_ca(scratch_dir())
DOCS = DocServer(LEAF, LEAF_KEY)
ALGS = ["RS256", "PS256", "ES256", "EdDSA"]
KEYS_BY_ALG = {alg: Key(alg, "kid-" + alg.lower()) for alg in ALGS}
OTHER_KEYS = {alg: Key(alg, "kid-" + alg.lower()) for alg in ALGS}   # same kid, another key
JWKS = {"keys": [KEYS_BY_ALG[a].jwk for a in ALGS]}
REDIRECTS = ["https://app.example/cb", "http://127.0.0.1/cb"]


def good_doc(path, **over):
    d = {"client_id": DOCS.url(path), "client_name": "Document client " + path, "redirect_uris": REDIRECTS}
    for k, v in over.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def publish_documents():
    D = DOCS
    D.put("/good", good_doc("/good"), headers=[("Cache-Control", "max-age=300")])
    D.put("/mismatch", good_doc("/mismatch", client_id=D.url("/someone-else")))
    big = good_doc("/big", software_id="x" * 6000)
    D.put("/big", big)
    D.put("/redirect", b"", status=302, headers=[("Location", D.url("/good"))])
    D.put("/slow", good_doc("/slow"), delay=SLOW_SECONDS)
    body = json.dumps(good_doc("/dribble")).encode()
    D.put("/dribble", body, dribble=SLOW_SECONDS / len(body))
    D.put("/secret", good_doc("/secret", client_secret="a-secret-in-a-public-document-123",
                              token_endpoint_auth_method="client_secret_post"))
    D.put("/secret-only", good_doc("/secret-only", client_secret="a-secret-in-a-public-document-123"))
    D.put("/basic", good_doc("/basic", token_endpoint_auth_method="client_secret_basic"))
    D.put("/gzip", gzip.compress(json.dumps(good_doc("/gzip")).encode()), headers=[("Content-Encoding", "gzip")])
    D.put("/cc", good_doc("/cc", grant_types=["client_credentials"], response_types=[], redirect_uris=None,
                          token_endpoint_auth_method="private_key_jwt", jwks_uri=D.url("/jwks.json")))
    D.put("/pkjwt", good_doc("/pkjwt", token_endpoint_auth_method="private_key_jwt", jwks_uri=D.url("/jwks.json")))
    D.put("/jwks.json", JWKS, headers=[("Cache-Control", "max-age=300")])
    private_jwk = dict(KEYS_BY_ALG["ES256"].jwk, d=b64u(os.urandom(32)))
    D.put("/private-jwks", good_doc("/private-jwks", token_endpoint_auth_method="private_key_jwt",
                                    jwks={"keys": [private_jwk]}))
    D.put("/http-jwks-uri", good_doc("/http-jwks-uri", token_endpoint_auth_method="private_key_jwt",
                                     jwks_uri="http://127.0.0.1:%d/jwks.json" % D.port))
    D.put("/nostore", good_doc("/nostore"), headers=[("Cache-Control", "no-store")])
    D.put("/fixable", good_doc("/fixable", client_id=D.url("/not-fixable")))
    D.put("/flaky", b"gone for now", status=500)


publish_documents()


# --- 1: roles ----------------------------------------------------------------------------------------------

def test_roles(srv):
    rule = "Client check, roles (docs/client-check.md: role authorization_server)"
    r = client_check(srv, {"client_id": "anything"}, KEY_M)
    check(rule + ": a management key on POST /oauth/client_check is 403", r.status == 403, (r.status, r.body))
    r = call(srv, "GET", "/oauth_clients", KEY_AS)
    check(rule + ": the authorization_server key on GET /oauth_clients is 403", r.status == 403, (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", KEY_AS, {"redirect_uris": ["https://app.example/cb"]})
    check(rule + ": the authorization_server key on POST /oauth/register is 403", r.status == 403, (r.status, r.body))
    r = call(srv, "GET", "/oauth_clients/" + q(DOCS.url("/good")), KEY_AS)
    check(rule + ": the authorization_server key on GET /oauth_clients/{url} is 403", r.status == 403,
          (r.status, r.body))
    r = client_check(srv, {"client_id": "anything"}, None)
    check(rule + ": no key on POST /oauth/client_check is 401", r.status == 401, (r.status, r.body))
    r = client_check(srv, {"client_id": "anything"}, "not-a-key-" + "n" * 30)
    check(rule + ": an unknown key on POST /oauth/client_check is 401", r.status == 401, (r.status, r.body))
    r = call(srv, "GET", "/oauth/client_check", KEY_AS)
    check(rule + ": GET /oauth/client_check is not a route for it (not 200)", r.status not in (200, 401),
          (r.status, r.body))
    for label, body in [("not JSON", "{"), ("an array", "[]"), ("no client_id", {"redirect_uri": "https://a.b/c"}),
                        ("client_id a number", {"client_id": 7}),
                        ("client_secret a number", {"client_id": "x", "client_secret": 7})]:
        r = client_check(srv, body)
        check(rule + ": a bad body (%s) is 400 invalid_request" % label,
              r.status == 400 and error_code(r) == "invalid_request", (r.status, r.body))


# --- 2: registered clients ---------------------------------------------------------------------------------

def test_registered(srv):
    rule = "Client check, registered clients (RFC 6749 2.3)"
    r, secret_client = register(srv, {"redirect_uris": ["https://app.example/cb"], "client_name": "secret"})
    cid, secret = secret_client.get("client_id"), secret_client.get("client_secret")
    check(rule + ": POST /oauth/register with the management key is 201 with client_id and client_secret",
          r.status == 201 and cid and secret, (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": secret})
    d = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": the right secret is 200 {data: client_id, token_endpoint_auth_method client_secret_basic}",
          r.status == 200 and d.get("client_id") == cid and d.get("token_endpoint_auth_method") ==
          "client_secret_basic", (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": secret + "x"})
    check(rule + ": a wrong secret is 401 invalid_client", is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, {"client_id": cid})
    check(rule + ": a confidential client without its credential is 401 invalid_client", is_invalid_client(r),
          (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": secret, "client_assertion": "a.b.c",
                           "client_assertion_type": JWT_BEARER})
    check(rule + ": a secret and an assertion together are 401 invalid_client", is_invalid_client(r),
          (r.status, r.body))
    r = client_check(srv, with_assertion(cid, assertion(KEYS_BY_ALG["ES256"], cid, srv.url)))
    check(rule + ": an assertion for a secret client is 401 invalid_client (another kind of credential)",
          is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": secret, "redirect_uri": "https://app.example/cb"})
    check(rule + ": the right secret and a registered redirect_uri are 200", r.status == 200, (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": secret, "redirect_uri": "https://app.example/other"})
    check(rule + ": a redirect_uri not registered is 400 invalid_redirect_uri",
          r.status == 400 and error_code(r) == "invalid_redirect_uri", (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": secret, "redirect_uri": "https://app.example/cb/"})
    check(rule + ": redirect_uri is an exact string match (a trailing slash is another URI): 400",
          r.status == 400 and error_code(r) == "invalid_redirect_uri", (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": "wrong-" + secret,
                           "redirect_uri": "https://app.example/other"})
    check(rule + ": a bad secret and a bad redirect_uri are 401 (the credential is judged first)",
          is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, {"client_id": "no-such-client-" + uuid.uuid4().hex, "client_secret": secret})
    check(rule + ": an unknown client is 401 invalid_client", is_invalid_client(r), (r.status, r.body))
    r = call(srv, "GET", "/oauth_clients/" + cid, KEY_M)
    rec = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": a successful check is a use (last_used_at on the record)", "last_used_at" in rec,
          (r.status, r.body))

    r, pub = register(srv, {"redirect_uris": ["https://app.example/cb", "http://127.0.0.1/cb"],
                            "token_endpoint_auth_method": "none", "client_name": "public"})
    pid = pub.get("client_id")
    check(rule + ": a public client registers (201, no client_secret)", r.status == 201 and pid and
          "client_secret" not in pub, (r.status, r.body))
    r = client_check(srv, {"client_id": pid})
    d = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": a public client without a credential is 200 (token_endpoint_auth_method none)",
          r.status == 200 and d.get("token_endpoint_auth_method") == "none", (r.status, r.body))
    r = client_check(srv, {"client_id": pid, "client_secret": "any-secret-at-all-1234"})
    check(rule + ": a public client with a secret is 401 invalid_client", is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, {"client_id": pid, "redirect_uri": "http://127.0.0.1:51234/cb"})
    check(rule + ", RFC 8252 7.3: any port on a loopback redirect (http://127.0.0.1:51234/cb for "
          "http://127.0.0.1/cb) is 200", r.status == 200, (r.status, r.body))
    r = client_check(srv, {"client_id": pid, "redirect_uri": "http://127.0.0.1:51234/other"})
    check(rule + ", RFC 8252 7.3: only the port may differ (another path is 400 invalid_redirect_uri)",
          r.status == 400 and error_code(r) == "invalid_redirect_uri", (r.status, r.body))
    r = client_check(srv, {"client_id": pid, "redirect_uri": "https://app.example:8443/cb"})
    check(rule + ": a port on a non-loopback redirect is another URI (400 invalid_redirect_uri)",
          r.status == 400 and error_code(r) == "invalid_redirect_uri", (r.status, r.body))


# --- 3: Client ID Metadata Documents -----------------------------------------------------------------------

def timed_check(srv, body):
    t = time.monotonic()
    r = client_check(srv, body)
    return r, time.monotonic() - t


def test_documents(srv):
    rule = "Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document)"
    good = DOCS.url("/good")
    r = client_check(srv, {"client_id": good})
    d = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": a good document is 200 with token_endpoint_auth_method none (a public client)",
          r.status == 200 and d.get("client_id") == good and d.get("token_endpoint_auth_method") == "none",
          (r.status, r.body))
    r = client_check(srv, {"client_id": good, "redirect_uri": "https://app.example/cb"})
    check(rule + ": a redirect_uri of the document is 200", r.status == 200, (r.status, r.body))
    r = client_check(srv, {"client_id": good, "redirect_uri": "http://127.0.0.1:40000/cb"})
    check(rule + ", RFC 8252 7.3: any port on the document's loopback redirect is 200", r.status == 200,
          (r.status, r.body))
    r = client_check(srv, {"client_id": good, "redirect_uri": "https://evil.example/cb"})
    check(rule + ": a redirect_uri not in the document is 400 invalid_redirect_uri",
          r.status == 400 and error_code(r) == "invalid_redirect_uri", (r.status, r.body))
    r = client_check(srv, {"client_id": good, "client_secret": "some-secret-for-a-public-client"})
    check(rule + ": a secret for a document's public client is 401", is_invalid_client(r), (r.status, r.body))
    r = call(srv, "GET", "/oauth_clients/" + q(good), KEY_M)
    rec = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": GET /oauth_clients/{encoded url} with a management key is 200, origin metadata_document, "
          "no org_id", r.status == 200 and rec.get("client_id") == good and rec.get("origin") == "metadata_document"
          and "org_id" not in rec, (r.status, r.body))
    check(rule + ": the cache: one fetch of the good document for 5 checks and a GET (max-age=300)",
          DOCS.count("/good") == 1, DOCS.count("/good"))
    r = call(srv, "GET", "/oauth_clients", KEY_M)
    listed = [c.get("client_id") for c in r.json().get("data", [])] if r.status == 200 else None
    check(rule + ": documents are never listed", listed is not None and good not in listed, (r.status, r.body))
    r = call(srv, "DELETE", "/oauth_clients/" + q(good), KEY_M)
    check(rule + ": documents are never changed (DELETE is not 2xx)", not (200 <= r.status < 300), (r.status, r.body))

    bad = [("/mismatch", "a client_id that is another URL", 422),
           ("/big", "more than 5 KiB", 502),
           ("/redirect", "a 302 (redirects are not followed)", 502),
           ("/secret", "client_secret and client_secret_post", 422),
           ("/secret-only", "client_secret", 422),
           ("/basic", "the shared-secret method client_secret_basic", 422),
           ("/gzip", "a Content-Encoding (gzip)", 502),
           ("/cc", "the client_credentials grant", 422),
           ("/private-jwks", "private key material in jwks", 422),
           ("/http-jwks-uri", "a jwks_uri over http", 422)]
    for path, label, status in bad:
        url = DOCS.url(path)
        before = DOCS.count(path)
        r = client_check(srv, {"client_id": url})
        check(rule + ": a document with %s is 401 invalid_client" % label, is_invalid_client(r), (r.status, r.body))
        check(rule + ": %s: it was fetched (once)" % label, DOCS.count(path) == before + 1,
              (before, DOCS.count(path)))
        r = call(srv, "GET", "/oauth_clients/" + q(url), KEY_M)
        check(rule + ": GET /oauth_clients/{url} of a document with %s is %d with the reason in detail"
              % (label, status), r.status == status and "detail" in r.body.decode("utf-8", "replace"),
              (r.status, r.body))
        check(rule + ": %s: not kept (the GET fetched it again)" % label, DOCS.count(path) == before + 2,
              (before, DOCS.count(path)))
    check(rule + ": the redirect was not followed (the good document was not fetched again)",
          DOCS.count("/good") == 1, DOCS.count("/good"))

    for path in ("/slow", "/dribble"):
        url = DOCS.url(path)
        r, took = timed_check(srv, {"client_id": url})
        check(rule + ": a document slower than --cimd-timeout-ms (%s) is 401" % path, is_invalid_client(r),
              (r.status, r.body))
        check(rule + ": ... and the check answers within the timeout and some slack (under %.1f s; the "
              "document takes %.1f s)" % (SLOW_BOUND, SLOW_SECONDS), took < SLOW_BOUND, "%.2f s" % took)
        t = time.monotonic()
        r = call(srv, "GET", "/oauth_clients/" + q(url), KEY_M)
        took = time.monotonic() - t
        check(rule + ": GET /oauth_clients/{url} of a slow document (%s) is 502 within %.1f s" % (path, SLOW_BOUND),
              r.status == 502 and took < SLOW_BOUND, (r.status, r.body, took))

    # Errors and bad documents are never kept: fixed, they work at once.
    fixable = DOCS.url("/fixable")
    r = client_check(srv, {"client_id": fixable})
    check(rule + ": the cache: a bad document (/fixable, mismatched client_id) is 401", is_invalid_client(r),
          (r.status, r.body))
    DOCS.put("/fixable", good_doc("/fixable"), headers=[("Cache-Control", "max-age=300")])
    r = client_check(srv, {"client_id": fixable})
    check(rule + ": the cache: a bad document is not kept; fixed, the next check is 200", r.status == 200,
          (r.status, r.body))
    flaky = DOCS.url("/flaky")
    r = client_check(srv, {"client_id": flaky})
    check(rule + ": a document answered with 500 is 401", is_invalid_client(r), (r.status, r.body))
    DOCS.put("/flaky", good_doc("/flaky"))
    r = client_check(srv, {"client_id": flaky})
    check(rule + ": the cache: a failed fetch is not kept; fixed, the next check is 200", r.status == 200,
          (r.status, r.body))
    nostore = DOCS.url("/nostore")
    results = [client_check(srv, {"client_id": nostore}).status for _ in range(3)]
    check(rule + ": the cache: a no-store document is kept for --cimd-min-ttl (60 s): 3 checks, 1 fetch",
          results == [200, 200, 200] and DOCS.count("/nostore") == 1, (results, DOCS.count("/nostore")))

    # Client Identifier URLs the draft does not allow are never fetched.
    before = DOCS.connections()
    for label, url in [("a query", DOCS.url("/good?x=1")), ("a fragment", DOCS.url("/good#f")),
                       ("a dot segment", DOCS.url("/a/../good")),
                       ("an encoded dot segment", DOCS.url("/a/%2e%2e/good")),
                       ("userinfo", "https://user@127.0.0.1:%d/good" % DOCS.port),
                       ("http", "http://127.0.0.1:%d/good" % DOCS.port),
                       ("no path", "https://127.0.0.1:%d" % DOCS.port)]:
        r = client_check(srv, {"client_id": url})
        check(rule + ": a client_id URL with %s is 401 invalid_client" % label, is_invalid_client(r),
              (url, r.status, r.body))
    check(rule + ": ... and none of them was fetched", DOCS.connections() == before, (before, DOCS.connections()))

    r = call(srv, "GET", "/.well-known/oauth-authorization-server")
    m = r.json() if r.status == 200 else {}
    check(rule + ", RFC 8414: the metadata says client_id_metadata_document_supported: true",
          m.get("client_id_metadata_document_supported") is True, (r.status, r.body))
    algs = m.get("token_endpoint_auth_signing_alg_values_supported")
    check(rule + ", RFC 8414: token_endpoint_auth_signing_alg_values_supported lists RS256, PS256, ES256, EdDSA",
          isinstance(algs, list) and set(ALGS) <= set(algs) and "none" not in algs, m)
    check(rule + ", RFC 8414: token_endpoint_auth_methods_supported includes private_key_jwt",
          "private_key_jwt" in (m.get("token_endpoint_auth_methods_supported") or []), m)


# --- 4: SSRF -----------------------------------------------------------------------------------------------

def test_ssrf():
    rule = "Client ID Metadata Documents, special-use addresses (SSRF)"
    srv = serve("--cimd", "--cimd-ca-file", CA, "--cimd-timeout-ms", "2000")
    before = DOCS.connections()
    for url in [DOCS.url("/good"), "https://localhost:%d/good" % DOCS.port,
                "https://[::ffff:127.0.0.1]:%d/good" % DOCS.port, "https://[::1]:%d/good" % DOCS.port,
                "https://127.0.0.2:%d/good" % DOCS.port, "https://0.0.0.0:%d/good" % DOCS.port,
                "https://[::ffff:7f00:1]:%d/good" % DOCS.port, "https://2130706433:%d/good" % DOCS.port,
                "https://127.1:%d/good" % DOCS.port]:
        r = client_check(srv, {"client_id": url})
        check(rule + ": without --cimd-allow-loopback %s is 401 invalid_client" % url, is_invalid_client(r),
              (r.status, r.body))
        r = call(srv, "GET", "/oauth_clients/" + q(url), KEY_M)
        check(rule + ": GET /oauth_clients/{%s} is 502, 422 or 404, never 200" % url, r.status in (404, 422, 502),
              (r.status, r.body))
    check(rule + ": ... and the document server accepted no connection", DOCS.connections() == before,
          (before, DOCS.connections()))
    stop(srv)
    rc, out, err = start_refused(["--cimd", "--cimd-allow-loopback", "--listen", "0.0.0.0:0", "--api-keys", KEYS])
    check(rule + ": --cimd-allow-loopback with --listen 0.0.0.0:0 refuses to start (exit 2, a message)",
          rc == 2 and out == b"" and b"loopback" in err, (rc, out, err))
    rc, out, err = start_refused(["--cimd", "--cimd-allow-loopback", "--listen", "[::]:0", "--api-keys", KEYS])
    check(rule + ": --cimd-allow-loopback with --listen [::]:0 refuses to start (exit 2)",
          rc == 2 and out == b"" and err.strip() != b"", (rc, out, err))
    rc, out, err = start_refused(["--cimd-allow-loopback", "--listen", "127.0.0.1:0", "--api-keys", KEYS])
    check(rule + ": --cimd-allow-loopback without --cimd refuses to start (exit 2, a message)",
          rc == 2 and out == b"" and err.strip() != b"", (rc, out, err))


# --- 5: private_key_jwt ------------------------------------------------------------------------------------

def test_private_key_jwt(srv):
    rule = "private_key_jwt (RFC 7523)"
    aud = srv.url   # --public-url defaults to the listening URL
    r, reg = register(srv, {"redirect_uris": ["https://app.example/cb"], "client_name": "keys",
                            "token_endpoint_auth_method": "private_key_jwt", "jwks": JWKS})
    cid = reg.get("client_id")
    check(rule + ": a client registers with private_key_jwt and jwks (201, no client_secret)",
          r.status == 201 and cid and "client_secret" not in reg and
          reg.get("token_endpoint_auth_method") == "private_key_jwt", (r.status, r.body))
    for alg in ALGS:
        k, other = KEYS_BY_ALG[alg], OTHER_KEYS[alg]
        r = client_check(srv, with_assertion(cid, assertion(k, cid, aud)))
        d = r.json().get("data", {}) if r.status == 200 else {}
        check(rule + " %s: a good assertion is 200 (token_endpoint_auth_method private_key_jwt)" % alg,
              r.status == 200 and d.get("client_id") == cid and
              d.get("token_endpoint_auth_method") == "private_key_jwt", (r.status, r.body))
        a = assertion(k, cid, aud)
        r = client_check(srv, with_assertion(cid, a, redirect_uri="https://app.example/cb"))
        check(rule + " %s: a good assertion and a registered redirect_uri are 200" % alg, r.status == 200,
              (r.status, r.body))
        r = client_check(srv, with_assertion(cid, a))
        check(rule + " %s: a replayed jti is 401" % alg, is_invalid_client(r), (r.status, r.body))
        cases = [
            ("signed with another key under the same kid", assertion(other, cid, aud)),
            ("another aud", assertion(k, cid, "https://someone-else.example")),
            ("expired", assertion(k, cid, aud, exp=int(time.time()) - 30, iat=int(time.time()) - 90)),
            ("exp 700 s ahead (more than 10 minutes)", assertion(k, cid, aud, exp=int(time.time()) + 700)),
            ("iss not sub", assertion(k, cid, aud, iss="https://other.example/client")),
            ("sub not the client", assertion(k, cid, aud, sub="someone-else")),
            ("alg none, unsigned", jws({"alg": "none", "kid": k.kid}, claims_for(cid, aud), signature=b"")),
            ("alg none and a signature", jws({"alg": "none", "kid": k.kid}, claims_for(cid, aud),
                                             signature=b"\x01" * 64)),
            ("alg HS256 (an HMAC)", hs256({"alg": "HS256", "kid": k.kid}, claims_for(cid, aud))),
            ("no jti", assertion(k, cid, aud, jti=None)),
            ("no exp", assertion(k, cid, aud, exp=None)),
            ("nbf in the future", assertion(k, cid, aud, nbf=int(time.time()) + 60)),
            ("iat in the future", assertion(k, cid, aud, iat=int(time.time()) + 60)),
            ("a bit flipped in the signature", flip_signature(assertion(k, cid, aud))),
        ]
        for label, a in cases:
            r = client_check(srv, with_assertion(cid, a))
            check(rule + " %s: an assertion with %s is 401 invalid_client" % (alg, label), is_invalid_client(r),
                  (r.status, r.body))
        r = client_check(srv, with_assertion(cid, assertion(k, cid, aud), atype=None))
        check(rule + " %s: a missing client_assertion_type is 401" % alg, is_invalid_client(r), (r.status, r.body))
        r = client_check(srv, with_assertion(cid, assertion(k, cid, aud), atype="urn:example:other"))
        check(rule + " %s: another client_assertion_type is 401" % alg, is_invalid_client(r), (r.status, r.body))
    k = KEYS_BY_ALG["ES256"]
    r = client_check(srv, with_assertion(cid, assertion(k, cid, aud, alg="RS256")))
    check(rule + ": alg not matching the key's type (RS256 header on an EC key) is 401", is_invalid_client(r),
          (r.status, r.body))
    r = client_check(srv, with_assertion(cid, jws({"alg": "PS256", "kid": KEYS_BY_ALG["RS256"].kid},
                                                   claims_for(cid, aud), PssWithRs256Key())))
    check(rule + ": a key's own alg is honoured (PS256 with the RS256 key) is 401", is_invalid_client(r),
          (r.status, r.body))
    r = client_check(srv, with_assertion(cid, assertion(k, cid, [aud])))
    check(rule + ": aud an array of exactly the issuer is 200", r.status == 200, (r.status, r.body))
    r = client_check(srv, with_assertion(cid, assertion(k, cid, [aud, "https://other.example"])))
    check(rule + ": aud an array with another member too is 401", is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, with_assertion(cid, assertion(k, cid, aud, kid="no-such-kid")))
    check(rule + ": a kid the client does not have is 401", is_invalid_client(r), (r.status, r.body))
    h = {"alg": "ES256", "kid": "no-such-kid", "jwk": OTHER_KEYS["ES256"].jwk}
    r = client_check(srv, with_assertion(cid, jws(h, claims_for(cid, aud), OTHER_KEYS["ES256"])))
    check(rule + ": a jwk header is never used to find a key (401)", is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, {"client_id": cid, "client_secret": "a-secret-for-a-key-client"})
    check(rule + ": a secret for a private_key_jwt client is 401", is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, {"client_id": cid})
    check(rule + ": no credential for a private_key_jwt client is 401", is_invalid_client(r), (r.status, r.body))
    r = client_check(srv, with_assertion(cid, "x" * 9000 + "." + "y" * 10 + "." + "z"))
    check(rule + ": an assertion over 8 KiB is 401", is_invalid_client(r), (r.status, r.body))
    # The calling key's issuer is the audience.
    r = client_check(srv, with_assertion(cid, assertion(k, cid, AS_ISSUER)), key=KEY_AS_ISS)
    check(rule + ": with a key whose issuer is %s, aud %s is 200" % (AS_ISSUER, AS_ISSUER), r.status == 200,
          (r.status, r.body))
    r = client_check(srv, with_assertion(cid, assertion(k, cid, aud)), key=KEY_AS_ISS)
    check(rule + ": with that key, aud the --public-url is 401", is_invalid_client(r), (r.status, r.body))

    # A document client whose keys are at its jwks_uri.
    doc = DOCS.url("/pkjwt")
    jwks_before = DOCS.count("/jwks.json")
    for alg in ALGS:
        r = client_check(srv, with_assertion(doc, assertion(KEYS_BY_ALG[alg], doc, aud)))
        d = r.json().get("data", {}) if r.status == 200 else {}
        check(rule + " %s: a document client with jwks_uri and a good assertion is 200 (private_key_jwt)" % alg,
              r.status == 200 and d.get("token_endpoint_auth_method") == "private_key_jwt", (r.status, r.body))
    check(rule + ": the jwks_uri was fetched at most once for four assertions (kept by max-age)",
          1 <= DOCS.count("/jwks.json") and DOCS.count("/jwks.json") - jwks_before <= 1,
          (jwks_before, DOCS.count("/jwks.json")))
    before = DOCS.count("/jwks.json")
    results = [client_check(srv, with_assertion(doc, assertion(KEYS_BY_ALG["ES256"], doc, aud, kid=kid))).status
               for kid in ("unknown-kid-1", "unknown-kid-2", "unknown-kid-3")]
    check(rule + ": a document client: a kid its jwks_uri does not have is 401, and refetches the jwks_uri at "
          "most once a minute (3 unknown kids: at most 1 fetch)",
          results == [401] * 3 and DOCS.count("/jwks.json") - before <= 1, (results, before, DOCS.count("/jwks.json")))
    r = client_check(srv, with_assertion(doc, assertion(OTHER_KEYS["ES256"], doc, aud)))
    check(rule + ": a document client: another key under the same kid is 401", is_invalid_client(r),
          (r.status, r.body))
    r = client_check(srv, {"client_id": doc})
    check(rule + ": a document client with private_key_jwt and no assertion is 401", is_invalid_client(r),
          (r.status, r.body))
    return cid


def hs256(header, claims):
    """An HMAC-signed JWS (the key: a public JWK's modulus, the classic confusion attack)."""
    signing_input = (b64u(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64u(json.dumps(claims, separators=(",", ":")).encode()))
    secret = json.dumps(KEYS_BY_ALG["RS256"].jwk).encode()
    return signing_input + "." + b64u(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def flip_signature(a):
    head, payload, sig = a.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return "%s.%s.%s" % (head, payload, b64u(bytes(raw)))


class PssWithRs256Key:
    """The RS256 key's private half, signing PS256 (its JWK says alg RS256)."""

    def __init__(self):
        self.alg, self.kid, self.path = "PS256", KEYS_BY_ALG["RS256"].kid, KEYS_BY_ALG["RS256"].path

    sign = Key.sign


# --- 6: replay across instances ----------------------------------------------------------------------------

def test_replay_across_instances():
    rule = "private_key_jwt, replay across instances on one SQLite file (RFC 7523 3, item 7)"
    path = os.path.join(scratch_dir(), "shared.db")
    public = "https://registry.example"
    a_srv = serve("--store", "sqlite:" + path, "--public-url", public)
    b_srv = serve("--store", "sqlite:" + path, "--public-url", public)
    r, reg = register(a_srv, {"redirect_uris": ["https://app.example/cb"], "client_name": "shared",
                              "token_endpoint_auth_method": "private_key_jwt", "jwks": JWKS})
    cid = reg.get("client_id")
    check(rule + ": registered on the first", r.status == 201 and cid, (r.status, r.body))
    for alg in ("ES256", "EdDSA"):
        a = assertion(KEYS_BY_ALG[alg], cid, public)
        r = client_check(a_srv, with_assertion(cid, a))
        check(rule + " %s: accepted by the first (200)" % alg, r.status == 200, (r.status, r.body))
        r = client_check(b_srv, with_assertion(cid, a))
        check(rule + " %s: the same assertion at the second is 401" % alg, is_invalid_client(r), (r.status, r.body))
        a = assertion(KEYS_BY_ALG[alg], cid, public)
        r = client_check(b_srv, with_assertion(cid, a))
        check(rule + " %s: a fresh one at the second is 200" % alg, r.status == 200, (r.status, r.body))
        r = client_check(a_srv, with_assertion(cid, a))
        check(rule + " %s: ... and then 401 at the first" % alg, is_invalid_client(r), (r.status, r.body))
    stop(a_srv)
    stop(b_srv)


# --- 7: oauthreg run ---------------------------------------------------------------------------------------

def test_run():
    rule = "oauthreg run --cimd: resolve and client_check"
    good, bad = DOCS.url("/good"), DOCS.url("/mismatch")
    ops = [{"op": "resolve", "client_id": good},
           {"op": "client_check", "client_id": good, "redirect_uri": "https://app.example/cb"},
           {"op": "client_check", "client_id": bad},
           {"op": "client_check", "client_id": good, "redirect_uri": "https://evil.example/cb"},
           {"op": "resolve", "client_id": bad}]
    data = "".join(json.dumps(o) + "\n" for o in ops).encode()
    try:
        p = subprocess.run([BIN, "run", "--cimd", "--cimd-allow-loopback", "--cimd-ca-file", CA], input=data,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", e.stdout or b"", e.stderr or b""
    try:
        answers = [json.loads(x) for x in out.decode().splitlines()]
    except ValueError:
        answers = []
    check(rule + ": exit 0, one answer a line", rc == 0 and len(answers) == len(ops), (rc, out, err))
    answers += [{}] * (len(ops) - len(answers))
    a = answers[0]
    check(rule + ": resolve of a good document is ok, the client with token_endpoint_auth_method none",
          a.get("ok") is True and a.get("client", {}).get("client_id") == good and
          a.get("client", {}).get("token_endpoint_auth_method") == "none", a)
    check(rule + ": client_check of a good document and its redirect_uri is ok", answers[1].get("ok") is True,
          answers[1])
    check(rule + ": client_check of a bad document is ok false, error invalid_client",
          answers[2].get("ok") is False and answers[2].get("error") == "invalid_client", answers[2])
    check(rule + ": client_check with a redirect_uri not in the document is ok false, invalid_redirect_uri",
          answers[3].get("ok") is False and answers[3].get("error") == "invalid_redirect_uri", answers[3])
    check(rule + ": resolve of a bad document is ok false", answers[4].get("ok") is False, answers[4])
    rc, out, err = harness.run(BIN, ["run", "--cimd-allow-loopback"])
    check(rule + ": --cimd-allow-loopback without --cimd is exit 2", rc == 2 and out == b"", (rc, out, err))


# --- 8: --as-metadata --------------------------------------------------------------------------------------

def test_as_metadata():
    rule = "--as-metadata (RFC 8414 2)"
    public = "https://registry.example"
    good = write_json({"issuer": public, "token_endpoint": "https://as.example/token",
                       "authorization_endpoint": "https://as.example/authorize"})
    srv = serve("--public-url", public, "--as-metadata", good)
    r = call(srv, "GET", "/.well-known/oauth-authorization-server")
    m = r.json() if r.status == 200 else {}
    check(rule + ": token_endpoint and authorization_endpoint appear in the metadata",
          m.get("token_endpoint") == "https://as.example/token" and
          m.get("authorization_endpoint") == "https://as.example/authorize", (r.status, r.body))
    check(rule + ": the issuer is --public-url", m.get("issuer") == public, m)
    check(rule + ": the registry's own registration_endpoint is kept", isinstance(m.get("registration_endpoint"), str)
          and m.get("registration_endpoint", "").startswith(public), m)
    check(rule + ": without --cimd, client_id_metadata_document_supported is not true",
          m.get("client_id_metadata_document_supported") is not True, m)
    stop(srv)
    other = write_json({"issuer": "https://elsewhere.example", "token_endpoint": "https://as.example/token"})
    rc, out, err = start_refused(["--listen", "127.0.0.1:0", "--public-url", public, "--as-metadata", other,
                                  "--api-keys", KEYS])
    check(rule + ": a file whose issuer is not --public-url refuses to start (exit 2, a message)",
          rc == 2 and out == b"" and err.strip() != b"", (rc, out, err))


def test_io_threads_never_wait():
    """A fetch runs on a store thread, never on an I/O thread (docs/http.md,
    "Store calls"): with one I/O thread and the memory store (whose other calls
    stay on the I/O threads), a client check waiting on a slow document must
    not hold up another request."""
    rule = "Client check: a document fetch never blocks an I/O thread"
    srv = serve("--threads", "1", "--cimd", "--cimd-allow-loopback", "--cimd-ca-file", CA,
                "--cimd-timeout-ms", "2500")
    slow = {}

    def slow_check():
        slow["r"], slow["t"] = timed_check(srv, {"client_id": DOCS.url("/slow")})

    t = threading.Thread(target=slow_check)
    t.start()
    time.sleep(0.3)  # the slow check is waiting on its fetch
    began = time.monotonic()
    r = call(srv, "GET", "/.well-known/oauth-authorization-server")
    took = time.monotonic() - began
    t.join(timeout=30)
    check(rule + ": the metadata answers at once beside a fetch in flight (%.2f s)" % took,
          r.status == 200 and took < 0.5, (r.status, took))
    check(rule + ": the slow check itself ends at its timeout", "r" in slow and is_invalid_client(slow["r"])
          and slow["t"] >= 2.0, slow.get("t"))
    stop(srv)


def main():
    t0 = time.monotonic()
    srv = None
    try:
        srv = serve("--cimd", "--cimd-allow-loopback", "--cimd-ca-file", CA,
                    "--cimd-timeout-ms", str(CIMD_TIMEOUT_MS))
    except Exception as e:
        check("the main server (--cimd --cimd-allow-loopback --cimd-ca-file) starts", False, repr(e))
    tests = [(test_roles, True), (test_registered, True), (test_documents, True), (test_ssrf, False),
             (test_private_key_jwt, True), (test_replay_across_instances, False), (test_run, False),
             (test_as_metadata, False), (test_io_threads_never_wait, False)]
    for test, needs_main in tests:
        t = time.monotonic()
        if needs_main and srv is None:
            check(test.__name__ + " ran", False, "the main server did not start")
            continue
        try:
            test(srv) if needs_main else test()
        except Exception as e:  # a server that stops answering fails that test, and the others still run
            check(test.__name__ + " ran to its end", False, repr(e))
        finally:
            for s in list(RUNNING):
                if s is srv:
                    continue
                RUNNING.remove(s)
                try:
                    s.stop(signal.SIGKILL, timeout=10)
                except Exception:
                    pass
        print("%s: %.1f s" % (test.__name__, time.monotonic() - t))
    if srv is not None:
        check("the main server exits 0 on SIGTERM", stop(srv) == 0)
    DOCS.close()
    print("total: %.1f s" % (time.monotonic() - t0))
    sys.exit(harness.finish())


main()
