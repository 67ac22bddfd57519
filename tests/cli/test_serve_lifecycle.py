#!/usr/bin/env python3
"""The client lifecycle of `oauthreg serve` and `oauthreg reap`, end to end
over real sockets against the real binary (docs/open-registration.md;
RFC 7591 section 3). Each check names its rule:

- `--registration open|api-key|initial-access-token` and `--open-org`: who may
  call POST /oauth/register, who owns the client, an invalid credential is 401
  (never anonymous), an anonymous client may not use client_credentials;
- initial access tokens: mint, list (never the token), revoke, uses counted
  only for a 201, exactly N of M concurrent registrations on a token;
- `--max-clients-per-org`: 403 quota_exceeded in both envelopes, a delete
  frees a place, exactly N of M concurrent registrations on SQLite;
- `--secret-lifetime`: client_secret_expires_at;
- filter[origin|created_before|last_used_before], `origin` and `last_used_at`;
- `oauthreg reap` (dry run, origins, idle days, bad flags, beside a live
  server) and `serve --reap-idle`.

Every server is waited for through its ready line (never a fixed sleep) and
stopped; every loop is bounded.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

import harness
from harness import check
from serve import Server, call, error_code, raise_open_files_limit, scratch_dir, wait_until, write_json

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
args = ap.parse_args()
BIN = args.oauthreg
raise_open_files_limit()

KEY_A = "key-org-a-user-1-" + "x" * 26
KEY_B = "key-org-b-user-9-" + "q" * 26
KEY_PUB = "key-org-public-reader-" + "p" * 21
KEY_OTHER = "key-org-other-reader-" + "o" * 22
KEYS = write_json({"keys": [
    {"key": KEY_A, "org_id": "org-a", "user_id": "user-1"},
    {"key_sha256": hashlib.sha256(KEY_B.encode()).hexdigest(), "org_id": "org-b", "user_id": "user-9"},
    {"key": KEY_PUB, "org_id": "public", "user_id": "reader"},
    {"key": KEY_OTHER, "org_id": "other", "user_id": "reader"}]})
REGISTER = {"redirect_uris": ["https://example.com/callback"], "client_name": "lifecycle",
            "grant_types": ["authorization_code"], "scope": "admin"}
CREATE = {"name": "lifecycle client", "allowed_scopes": ["admin"], "client_type": "confidential",
          "allowed_grant_types": ["client_credentials"]}
BAD_METADATA = dict(REGISTER, redirect_uris=["https://example.com/cb#fragment"])
RUNNING = []
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def serve(*extra):
    srv = Server(BIN, "--api-keys", KEYS, *extra)
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


def invalid_token(resp):
    """401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 3.1)."""
    h = resp.headers.get("www-authenticate", "")
    return resp.status == 401 and h.startswith("Bearer") and 'error="invalid_token"' in h


def clients(srv, key, query=""):
    """Every client the key's org can see (all pages), or the failing answer."""
    out = []
    for page in range(1, 200):
        q = "page[size]=100&page[number]=%d" % page + ("&" + query if query else "")
        r = call(srv, "GET", "/oauth_clients?" + q, key)
        if r.status != 200:
            return r
        data = r.json()["data"]
        out.extend(data)
        if len(data) < 100:
            break
    return out


def ids(records):
    return {c["client_id"] for c in records} if isinstance(records, list) else records


def concurrently(n, fn):
    """fn(i) in n threads released at once; the answers' statuses (None for an exception)."""
    results = [None] * n
    gate = threading.Barrier(n)

    def one(i):
        try:
            gate.wait(30)
            results[i] = fn(i).status
        except Exception as e:  # a dropped connection counts as a wrong answer
            results[i] = repr(e)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return results


def rfc3339(unix):
    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def q(s):
    return urllib.parse.quote(s, safe="")


def reap(*argv):
    return harness.run(BIN, ["reap"] + list(argv))


def run_ops(store, ops):
    data = "".join(json.dumps(o) + "\n" for o in ops).encode()
    rc, out, err = harness.run(BIN, ["run", "--store", store], data)
    return rc, [json.loads(x) for x in out.decode().splitlines()]


# --- 1, 2: who may register ----------------------------------------------------------------------------

def test_open():
    rule = "Client lifecycle, --registration open (RFC 7591 3: open registration)"
    srv = serve("--registration", "open", "--register-rate-limit", "0")
    r = call(srv, "POST", "/oauth/register", None, REGISTER)
    check(rule + ": no Authorization is 201", r.status == 201, (r.status, r.body))
    cid = r.json().get("client_id") if r.status == 201 else None
    r = call(srv, "GET", "/oauth_clients/%s" % cid, KEY_PUB)
    rec = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": the anonymous client belongs to org public, user anonymous, origin registration",
          rec.get("org_id") == "public" and rec.get("user_id") == "anonymous" and rec.get("origin") == "registration",
          (r.status, r.body))
    check(rule + ": GET /oauth_clients of org public lists it", cid in ids(clients(srv, KEY_PUB)))
    r = call(srv, "GET", "/oauth_clients/%s" % cid, KEY_A)
    check(rule + ": another org does not see it (404)", r.status == 404, (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", "not-a-key-" + "n" * 33, REGISTER)
    check(rule + ": an invalid Bearer is 401 invalid_token, never anonymous", invalid_token(r),
          (r.status, r.headers, r.body))
    check(rule + ": ... and registers nothing", len(clients(srv, KEY_PUB)) == 1)
    r = call(srv, "POST", "/oauth/register", None, dict(REGISTER, grant_types=["client_credentials"],
                                                         redirect_uris=[]))
    check(rule + ": an anonymous client_credentials registration is 400 invalid_client_metadata",
          r.status == 400 and error_code(r) == "invalid_client_metadata", (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", None, dict(REGISTER, grant_types=["authorization_code",
                                                                                 "client_credentials"]))
    check(rule + ": client_credentials among other grants is refused too",
          r.status == 400 and error_code(r) == "invalid_client_metadata", (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    check(rule + ": a valid API key still owns the client as the key's org",
          r.status == 201 and r.json()["client_id"] in ids(clients(srv, KEY_A)), (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", KEY_A, dict(REGISTER, grant_types=["client_credentials"],
                                                          redirect_uris=[]))
    check(rule + ": with an API key client_credentials is allowed", r.status == 201, (r.status, r.body))
    stop(srv)
    srv = serve("--registration", "open", "--open-org", "other", "--register-rate-limit", "0")
    r = call(srv, "POST", "/oauth/register", None, REGISTER)
    cid = r.json().get("client_id") if r.status == 201 else None
    check(rule + ": --open-org other: the anonymous client belongs to org other",
          r.status == 201 and cid in ids(clients(srv, KEY_OTHER)) and cid not in ids(clients(srv, KEY_PUB)),
          (r.status, r.body))
    stop(srv)


def test_api_key_default():
    rule = "Client lifecycle, --registration api-key (the default)"
    for extra in [(), ("--registration", "api-key")]:
        srv = serve(*extra)
        r = call(srv, "POST", "/oauth/register", None, REGISTER)
        check(rule + " %s: no Authorization is 401" % (extra or "(no flag)",), r.status == 401, (r.status, r.body))
        r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
        check(rule + " %s: an API key registers" % (extra or "(no flag)",), r.status == 201, (r.status, r.body))
        stop(srv)
    rc, out, err = harness.run(BIN, ["serve", "--listen", "127.0.0.1:0", "--registration", "anyone"])
    check(rule + ": an unknown mode is a usage error (exit 2)", rc == 2 and out == b"", (rc, out, err))


# --- 3: initial access tokens --------------------------------------------------------------------------

def mint(srv, key, body):
    return call(srv, "POST", "/oauth/initial_access_tokens", key, body)


def test_initial_access_tokens():
    rule = "Client lifecycle, initial access tokens (RFC 7591 3)"
    srv = serve("--registration", "initial-access-token")
    r = call(srv, "POST", "/oauth/register", None, REGISTER)
    check(rule + ": no credential is 401", r.status == 401, (r.status, r.body))
    r = mint(srv, KEY_A, {"max_uses": 2, "expires_in": 60})
    d = r.json().get("data", {}) if r.status == 201 else {}
    check(rule + ": mint is 201 {data: id, token, max_uses 2, uses 0, expires_at, created_at}",
          r.status == 201 and isinstance(d.get("id"), str) and isinstance(d.get("token"), str) and
          d.get("max_uses") == 2 and d.get("uses") == 0 and "expires_at" in d and "created_at" in d, (r.status, r.body))
    check(rule + ": the token is 32 random bytes in base64url (43 characters)",
          re.fullmatch(r"[A-Za-z0-9_-]{43}", d.get("token", "")) is not None, d.get("token"))
    tok, tid = d.get("token"), d.get("id")
    r = call(srv, "POST", "/oauth/register", tok, BAD_METADATA)
    check(rule + ": a registration refused for bad metadata is 400", r.status == 400, (r.status, r.body))
    got = []
    for i in range(2):
        r = call(srv, "POST", "/oauth/register", tok, REGISTER)
        got.append(r.status)
        if r.status == 201:
            check(rule + ": a token's client belongs to the minting key's org (%d)" % i,
                  r.json()["client_id"] in ids(clients(srv, KEY_A)), r.body)
    check(rule + ": two registrations with a 2-use token are 201 (the refused one spent nothing)",
          got == [201, 201], got)
    r = call(srv, "POST", "/oauth/register", tok, REGISTER)
    check(rule + ": the third is 401 invalid_token", invalid_token(r), (r.status, r.headers, r.body))
    r = call(srv, "GET", "/oauth/initial_access_tokens", KEY_A)
    listed = r.json().get("data", []) if r.status == 200 else []
    mine = [t for t in listed if t.get("id") == tid]
    check(rule + ": GET lists the spent token with uses 2", r.status == 200 and len(mine) == 1 and
          mine[0].get("uses") == 2 and mine[0].get("max_uses") == 2, (r.status, r.body))
    check(rule + ": GET never shows the token", tok not in r.body.decode() and all("token" not in t for t in listed),
          r.body)
    r = call(srv, "GET", "/oauth/initial_access_tokens", KEY_B)
    check(rule + ": another org's list does not hold it", r.status == 200 and
          all(t.get("id") != tid for t in r.json().get("data", [])), (r.status, r.body))
    # revoke
    r = mint(srv, KEY_A, {"max_uses": 5})
    t2 = r.json()["data"] if r.status == 201 else {}
    check(rule + ": defaults: max_uses 1 unless given; expires_in default", r.status == 201 and t2.get("max_uses") == 5,
          r.body)
    r = call(srv, "DELETE", "/oauth/initial_access_tokens/%s" % t2.get("id"), KEY_B)
    check(rule + ": another org's key cannot delete it (404)", r.status == 404, (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", t2.get("token"), REGISTER)
    check(rule + ": ... and it still works", r.status == 201, (r.status, r.body))
    r = call(srv, "DELETE", "/oauth/initial_access_tokens/%s" % t2.get("id"), KEY_A)
    check(rule + ": DELETE is 204", r.status == 204 and r.body == b"", (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", t2.get("token"), REGISTER)
    check(rule + ": a revoked token is 401 invalid_token", invalid_token(r), (r.status, r.headers, r.body))
    r = call(srv, "POST", "/oauth/register", "u" * 43, REGISTER)
    check(rule + ": an unknown token is 401 invalid_token", invalid_token(r), (r.status, r.headers, r.body))
    r = mint(srv, KEY_A, {})
    check(rule + ": {} mints a token with max_uses 1", r.status == 201 and r.json()["data"].get("max_uses") == 1,
          (r.status, r.body))
    for label, body in [("max_uses 0", {"max_uses": 0}), ("unknown member", {"max_uses": 1, "colour": "blue"}),
                        ("a string", "\"tok\""), ("max_uses a string", {"max_uses": "2"}),
                        ("expires_in -1", {"expires_in": -1}), ("not JSON", "{")]:
        r = mint(srv, KEY_A, body)
        check(rule + ": a bad mint body (%s) is 400" % label, r.status == 400, (r.status, r.body))
    r = mint(srv, None, {"max_uses": 1})
    check(rule + ": minting without an API key is 401", r.status == 401, (r.status, r.body))
    r = mint(srv, tok, {"max_uses": 1})
    check(rule + ": an initial access token cannot mint another (401)", r.status == 401, (r.status, r.body))
    r = call(srv, "GET", "/oauth/initial_access_tokens", None)
    check(rule + ": listing without an API key is 401", r.status == 401, (r.status, r.body))
    # concurrency: exactly max_uses successes
    r = mint(srv, KEY_A, {"max_uses": 3, "expires_in": 60})
    tok3 = r.json()["data"]["token"] if r.status == 201 else "missing"
    before = len(clients(srv, KEY_A))
    got = concurrently(20, lambda i: call(srv, "POST", "/oauth/register", tok3, REGISTER))
    check(rule + ": 20 concurrent registrations on a 3-use token: exactly 3 are 201, the rest 401",
          got.count(201) == 3 and got.count(401) == 17, sorted(map(str, got)))
    check(rule + ": ... and exactly 3 clients were stored", len(clients(srv, KEY_A)) == before + 3)
    stop(srv)
    # expiry: a token that expires in 1 second
    srv = serve("--registration", "initial-access-token")
    r = mint(srv, KEY_A, {"max_uses": 5, "expires_in": 1})
    tok = r.json()["data"]["token"] if r.status == 201 else "missing"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.5)
        r = call(srv, "POST", "/oauth/register", tok, REGISTER)
        if r.status != 201:
            break
    check(rule + ": an expired token is 401 invalid_token", invalid_token(r), (r.status, r.body))
    stop(srv)
    srv = serve()
    r = call(srv, "POST", "/oauth/register", "u" * 43, REGISTER)
    check(rule + ": in api-key mode a Bearer that is no key is 401", r.status == 401, (r.status, r.body))
    stop(srv)


# --- 4: quotas -----------------------------------------------------------------------------------------

def test_quota():
    rule = "Client lifecycle, --max-clients-per-org"
    srv = serve("--max-clients-per-org", "3")
    got = [call(srv, "POST", "/oauth/register", KEY_A, REGISTER) for _ in range(3)]
    check(rule + " 3: three registrations are 201", [r.status for r in got] == [201] * 3, [r.status for r in got])
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    check(rule + ": the 4th on /oauth/register is 403 {error: quota_exceeded} (RFC 7591 body)",
          r.status == 403 and r.json().get("error") == "quota_exceeded", (r.status, r.body))
    r = call(srv, "POST", "/oauth_clients", KEY_A, CREATE)
    check(rule + ": POST /oauth_clients past it is 403 with the errors envelope, code quota_exceeded",
          r.status == 403 and "errors" in r.json() and error_code(r) == "quota_exceeded", (r.status, r.body))
    r = call(srv, "POST", "/oauth_clients", KEY_B, CREATE)
    check(rule + ": the quota is per organization (org-b still registers)", r.status == 201, (r.status, r.body))
    r = call(srv, "DELETE", "/oauth_clients/" + got[0].json()["client_id"], KEY_A)
    check(rule + ": DELETE is 204", r.status == 204, (r.status, r.body))
    r = call(srv, "POST", "/oauth_clients", KEY_A, CREATE)
    check(rule + ": a delete frees a place (create 201)", r.status == 201, (r.status, r.body))
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    check(rule + ": ... and only one", r.status == 403, (r.status, r.body))
    reg = got[1].json()
    r = call(srv, "DELETE", "/oauth/register/" + reg["client_id"], reg["registration_access_token"])
    check(rule + ": an RFC 7592 delete frees a place too", r.status == 204 and
          call(srv, "POST", "/oauth/register", KEY_A, REGISTER).status == 201, (r.status, r.body))
    stop(srv)
    path = os.path.join(scratch_dir(), "quota.db")
    srv = serve("--max-clients-per-org", "5", "--store", "sqlite:" + path, "--threads", "4")
    got = concurrently(20, lambda i: call(srv, "POST", "/oauth/register", KEY_A, REGISTER))
    check(rule + " 5 on sqlite: 20 concurrent registrations, exactly 5 are 201 and the rest 403",
          got.count(201) == 5 and got.count(403) == 15, sorted(map(str, got)))
    check(rule + " 5 on sqlite: exactly 5 clients stored", len(clients(srv, KEY_A)) == 5)
    stop(srv)
    # two servers on one SQLite file share the quota (the store counts in the insert's transaction)
    path = os.path.join(scratch_dir(), "quota2.db")
    s1 = serve("--max-clients-per-org", "4", "--store", "sqlite:" + path)
    s2 = serve("--max-clients-per-org", "4", "--store", "sqlite:" + path)
    got = concurrently(20, lambda i: call(s1 if i % 2 else s2, "POST", "/oauth/register", KEY_A, REGISTER))
    check(rule + " 4, two servers on one SQLite file: exactly 4 of 20 are 201",
          got.count(201) == 4 and got.count(403) == 16, sorted(map(str, got)))
    stop(s1)
    stop(s2)


# --- 5: secret lifetime --------------------------------------------------------------------------------

def test_secret_lifetime():
    rule = "Client lifecycle, --secret-lifetime (RFC 7591 3.2.1 client_secret_expires_at)"
    srv = serve("--secret-lifetime", "100")
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    d = r.json() if r.status == 201 else {}
    check(rule + ": client_secret_expires_at == client_id_issued_at + 100",
          isinstance(d.get("client_id_issued_at"), int) and
          d.get("client_secret_expires_at") == d["client_id_issued_at"] + 100, (r.status, r.body))
    check(rule + ": client_id_issued_at is now", abs(d.get("client_id_issued_at", 0) - time.time()) < 60, d)
    stop(srv)
    srv = serve()
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    check(rule + ": without it client_secret_expires_at is 0 (never)",
          r.status == 201 and r.json().get("client_secret_expires_at") == 0, (r.status, r.body))
    stop(srv)


# --- 6: filters and fields -----------------------------------------------------------------------------

def test_filters():
    rule = "Client lifecycle, GET /oauth_clients filters and record fields"
    path = os.path.join(scratch_dir(), "filters.db")
    srv = serve("--store", "sqlite:" + path)
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    reg = r.json() if r.status == 201 else {}
    reg_id = reg.get("client_id")
    check(rule + ": an RFC 7591 answer has no last_used_at before any use", "last_used_at" not in reg, r.body)
    r = call(srv, "POST", "/oauth_clients", KEY_A, CREATE)
    rec = r.json().get("data", {}) if r.status == 201 else {}
    api_id = rec.get("client_id")
    check(rule + ": a POST /oauth_clients record carries origin api", rec.get("origin") == "api", r.body)
    check(rule + ": last_used_at is absent before any use", "last_used_at" not in rec, r.body)
    r = call(srv, "GET", "/oauth_clients/" + str(reg_id), KEY_A)
    rec = r.json().get("data", {}) if r.status == 200 else {}
    check(rule + ": a /oauth/register record carries origin registration, no last_used_at",
          rec.get("origin") == "registration" and "last_used_at" not in rec, r.body)
    every = clients(srv, KEY_A)
    check(rule + ": every listed record carries origin", isinstance(every, list) and
          all(c.get("origin") in ("registration", "api") for c in every), every)
    check(rule + ": filter[origin]=registration", ids(clients(srv, KEY_A, "filter[origin]=registration")) == {reg_id})
    check(rule + ": filter[origin]=api", ids(clients(srv, KEY_A, "filter%5Borigin%5D=api")) == {api_id})
    future, past = rfc3339(time.time() + 3600), rfc3339(time.time() - 3600)
    check(rule + ": filter[created_before]=an hour ahead: both",
          ids(clients(srv, KEY_A, "filter[created_before]=" + q(future))) == {reg_id, api_id})
    check(rule + ": filter[created_before]=an hour ago: none",
          ids(clients(srv, KEY_A, "filter[created_before]=" + q(past))) == set())
    got = clients(srv, KEY_A, "filter[created_before]=" + q(rfc3339(time.time() + 3600)[:-1] + "+00:00"))
    check(rule + ": filter[created_before] with a +00:00 offset", ids(got) == {reg_id, api_id}, got)
    # A use: the engine's authenticate, by another process on the same file (the HTTP use is the
    # client check, issue 30). It is recorded at once, the first time.
    before_use = int(time.time())
    rc, answers = run_ops("sqlite:" + path, [{"op": "authenticate", "client_id": reg_id,
                                              "client_secret": reg.get("client_secret")}])
    check(rule + ": oauthreg run authenticates the registered client", rc == 0 and answers and
          answers[0].get("ok"), answers)
    r = call(srv, "GET", "/oauth_clients/" + str(reg_id), KEY_A)
    used = r.json().get("data", {}) if r.status == 200 else {}
    at = used.get("last_used_at", "")
    check(rule + ": after a use the record carries last_used_at, RFC 3339, now",
          RFC3339.fullmatch(at or "") is not None and
          abs(datetime.datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp() - before_use) < 60, used)
    r = call(srv, "GET", "/oauth_clients/" + str(api_id), KEY_A)
    check(rule + ": the client not used still has no last_used_at",
          r.status == 200 and "last_used_at" not in r.json()["data"], r.body)
    got = clients(srv, KEY_A, "filter[last_used_before]=" + q(future))
    check(rule + ": filter[last_used_before]=an hour ahead: the used client and the never-used one",
          ids(got) == {reg_id, api_id}, got)
    got = clients(srv, KEY_A, "filter[last_used_before]=" + q(past))
    check(rule + ": filter[last_used_before]=an hour ago: only the never-used client", ids(got) == {api_id}, got)
    r = call(srv, "GET", "/oauth/register/" + str(reg_id), reg.get("registration_access_token"))
    d = r.json() if r.status == 200 else {}
    check(rule + ": the RFC 7592 read carries last_used_at in seconds",
          isinstance(d.get("last_used_at"), int) and abs(d["last_used_at"] - before_use) < 60, (r.status, r.body))
    for param, value in [("filter[origin]", "bogus"), ("filter[created_before]", "yesterday"),
                         ("filter[created_before]", "2026-13-01T00:00:00Z"), ("filter[last_used_before]", "12345"),
                         ("filter[last_used_before]", "")]:
        r = call(srv, "GET", "/oauth_clients?%s=%s" % (param, q(value)), KEY_A)
        check(rule + ": a bad %s (%r) is 400 naming the parameter" % (param, value),
              r.status == 400 and param in r.body.decode(), (r.status, r.body))
    stop(srv)


# --- 7, 8: reaping -------------------------------------------------------------------------------------

def seed_sqlite(path, n_reg, n_api, org="org-r"):
    ops = [{"op": "register", "org_id": org, "request": REGISTER} for _ in range(n_reg)]
    ops += [{"op": "create", "org_id": org, "request": CREATE} for _ in range(n_api)]
    rc, answers = run_ops("sqlite:" + path, ops)
    return rc == 0 and len(answers) == n_reg + n_api and all(a.get("ok") for a in answers)


def count_via_serve(path):
    srv = serve("--store", "sqlite:" + path)
    out = {k: clients(srv, k) for k in (KEY_A, KEY_PUB)}
    stop(srv)
    return out


def test_reap():
    rule = "Client lifecycle, oauthreg reap"
    d = scratch_dir()
    path = os.path.join(d, "reap.db")
    srv = serve("--store", "sqlite:" + path, "--registration", "open", "--register-rate-limit", "0")
    for _ in range(3):
        call(srv, "POST", "/oauth/register", None, REGISTER)   # public, registration
    for _ in range(2):
        call(srv, "POST", "/oauth/register", KEY_A, REGISTER)  # org-a, registration
    api = [call(srv, "POST", "/oauth_clients", KEY_A, CREATE).json()["data"]["client_id"] for _ in range(2)]
    stop(srv)
    check(rule + ": run --store sqlite seeds 2 registered and 1 created client", seed_sqlite(path, 2, 1))
    store = "sqlite:" + path
    rc, out, err = reap("--store", store, "--idle", "0", "--dry-run")
    check(rule + " --idle 0 --dry-run: exit 0, one line {\"would_delete\": 7}",
          rc == 0 and harness.one_json_line(out) == {"would_delete": 7}, (rc, out, err))
    after = count_via_serve(path)
    check(rule + " --dry-run deletes nothing", len(after[KEY_A]) == 4 and len(after[KEY_PUB]) == 3, after)
    rc, out, err = reap("--store", store, "--idle", "30")
    check(rule + " --idle 30: nothing just created is deleted ({\"deleted\": 0})",
          rc == 0 and harness.one_json_line(out) == {"deleted": 0}, (rc, out, err))
    rc, out, err = reap("--store", store, "--idle", "0")
    check(rule + " --idle 0: {\"deleted\": 7}, the registration-origin clients",
          rc == 0 and harness.one_json_line(out) == {"deleted": 7}, (rc, out, err))
    after = count_via_serve(path)
    check(rule + " --idle 0: the api-origin clients are left", ids(after[KEY_A]) == set(api) and
          after[KEY_PUB] == [], after)
    rc, out, err = reap("--store", store, "--idle", "0", "--origin", "api", "--dry-run")
    check(rule + " --origin api --dry-run: would delete the 3 created clients",
          rc == 0 and harness.one_json_line(out) == {"would_delete": 3}, (rc, out, err))
    rc, out, err = reap("--store", store, "--idle", "0", "--origin", "any")
    check(rule + " --origin any: {\"deleted\": 3}", rc == 0 and harness.one_json_line(out) == {"deleted": 3},
          (rc, out, err))
    after = count_via_serve(path)
    check(rule + " --origin any: the store is empty", after[KEY_A] == [] and after[KEY_PUB] == [], after)
    for label, argv in [("no --idle", ["--store", store]), ("no --store", ["--idle", "1"]),
                        ("--idle -1", ["--store", store, "--idle", "-1"]),
                        ("--idle x", ["--store", store, "--idle", "x"]),
                        ("--origin bogus", ["--store", store, "--idle", "1", "--origin", "bogus"]),
                        ("unknown flag", ["--store", store, "--idle", "1", "--force"]),
                        ("a positional argument", ["--store", store, "--idle", "1", "extra"]),
                        ("unknown store", ["--store", "nosuch:x", "--idle", "1"])]:
        rc, out, err = reap(*argv)
        check(rule + ": bad flags (%s) are exit 2 with nothing on stdout" % label, rc == 2 and out == b"",
              (rc, out, err))


def age_clients(path, days):
    """Moves every client's creation back by `days` days, in the column the reaper reads."""
    con = sqlite3.connect(path, timeout=30)
    with con:
        n = con.execute("UPDATE oauth_clients SET created_at = created_at - ?", (days * 86400,)).rowcount
    con.close()
    return n


def test_reap_beside_server():
    rule = "Client lifecycle, oauthreg reap beside a live server on SQLite"
    path = os.path.join(scratch_dir(), "live.db")
    store = "sqlite:" + path
    check(rule + ": seeded", seed_sqlite(path, 1200, 0, org="org-a"))
    check(rule + ": 1200 clients aged 40 days", age_clients(path, 40) == 1200)
    srv = serve("--store", store, "--threads", "2")
    statuses, made = [], []
    stop_flag = threading.Event()

    def loop():
        for _ in range(5000):
            if stop_flag.is_set():
                return
            try:
                r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
            except Exception as e:
                statuses.append(repr(e))
                continue
            statuses.append(r.status)
            if r.status == 201:
                made.append(r.json()["client_id"])
    t = threading.Thread(target=loop)
    t.start()
    wait_until(lambda: len(made) >= 10, 10)
    rc, out, err = reap("--store", store, "--idle", "30")
    during = len(made)
    wait_until(lambda: len(made) >= during + 20, 10)
    stop_flag.set()
    t.join(60)
    res = harness.one_json_line(out) if rc == 0 else None
    check(rule + ": reap --idle 30 deletes exactly the 1200 aged clients ({\"deleted\": 1200}, in 3 batches)",
          res == {"deleted": 1200}, (rc, out, err))
    check(rule + ": the server answered no 5xx (and no dropped connection) meanwhile",
          statuses and all(isinstance(s, int) and s < 500 for s in statuses),
          sorted({str(s) for s in statuses}))
    check(rule + ": every registration was 201", all(s == 201 for s in statuses), sorted({str(s) for s in statuses}))
    left = ids(clients(srv, KEY_A))
    check(rule + ": every client registered before, during and after the reap is readable (%d), none else"
          % len(made), isinstance(left, set) and left == set(made), len(left) if isinstance(left, set) else left)
    check(rule + ": the server exits 0", stop(srv) == 0)


def test_serve_reap_idle():
    rule = "Client lifecycle, serve --reap-idle"
    path = os.path.join(scratch_dir(), "startreap.db")
    store = "sqlite:" + path
    check(rule + ": seeded 4 registered and 2 created clients", seed_sqlite(path, 4, 2))
    srv = serve("--store", store, "--reap-idle", "0")

    def reaped_line():
        for l in list(srv.log_lines):
            try:
                o = json.loads(l)
            except ValueError:
                continue
            if isinstance(o, dict) and "reaped" in o:
                return o
        return None
    wait_until(reaped_line, 10)
    line = reaped_line()
    check(rule + " 0: at start the log has a line {\"reaped\": 4}", line is not None and line.get("reaped") == 4,
          srv.log()[-600:])
    stop(srv)
    rc, answers = run_ops(store, [{"op": "list", "org_id": "org-r"}])
    left = answers[0] if answers else {}
    check(rule + " 0: the registered clients are gone, the created ones stay",
          rc == 0 and len(json.dumps(left).split('"client_id"')) - 1 >= 2 and
          harness.one_json_line(reap("--store", store, "--idle", "0", "--dry-run")[1]) == {"would_delete": 0} and
          harness.one_json_line(reap("--store", store, "--idle", "0", "--origin", "api", "--dry-run")[1])
          == {"would_delete": 2},
          left)
    srv = serve("--store", store, "--reap-idle", "30")
    time.sleep(0)
    r = call(srv, "POST", "/oauth/register", KEY_A, REGISTER)
    check(rule + " 30: the server registers", r.status == 201, r.body)
    stop(srv)
    check(rule + " 30: nothing recent was reaped",
          harness.one_json_line(reap("--store", store, "--idle", "0", "--dry-run")[1]) == {"would_delete": 1})
    rc, out, err = harness.run(BIN, ["serve", "--listen", "127.0.0.1:0", "--reap-idle", "-1"])
    check(rule + ": a bad --reap-idle is exit 2", rc == 2 and out == b"", (rc, out, err))


def main():
    t0 = time.monotonic()
    for test in [test_open, test_api_key_default, test_initial_access_tokens, test_quota, test_secret_lifetime,
                 test_filters, test_reap, test_reap_beside_server, test_serve_reap_idle]:
        t = time.monotonic()
        try:
            test()
        except Exception as e:  # a server that stops answering fails that test, and the others still run
            check(test.__name__ + " ran to its end", False, repr(e))
        finally:
            for srv in list(RUNNING):
                RUNNING.remove(srv)
                try:
                    srv.stop(signal.SIGKILL, timeout=10)
                except Exception:
                    pass
        print("%s: %.1f s" % (test.__name__, time.monotonic() - t))
    print("total: %.1f s" % (time.monotonic() - t0))
    sys.exit(harness.finish())


main()
