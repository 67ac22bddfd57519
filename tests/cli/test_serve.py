#!/usr/bin/env python3
"""End-to-end tests of `oauthreg serve` (docs/http.md) over real sockets
against the real binary: routes, API keys, statuses and envelopes, paging and
query parsing, RFC 7592 and RFC 8414, HTTP/1.1 framing (chunked, 100-continue,
pipelining, limits, timeouts), 1,000 connections, SIGTERM drain, kill -9 on
SQLite, two servers on one store, concurrent patches (no lost update), and the
access log. Every server is waited for through its ready line; no test sleeps
a fixed time to let it start.

`--shared postgres` runs only the two-servers test on the PostgreSQL server of
OAUTHREG_TEST_PG (scripts/with-postgres.sh); without one it reports itself
skipped (exit 77) outside CI.
"""
import argparse
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time

import harness
from harness import check
from serve import Reader, Server, call, error_code, raise_open_files_limit, request_bytes, scratch_dir, write_json

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--shared", choices=["sqlite", "postgres"], help="run only the two-servers test on this store")
args = ap.parse_args()
BIN = args.oauthreg
raise_open_files_limit()

KEY_A1, KEY_A2, KEY_B = "key-org-a-user-1-" + "x" * 26, "key-org-a-user-2-" + "y" * 26, "key-org-b-" + "z" * 33
KEYS = write_json({"keys": [
    {"key": KEY_A1, "org_id": "org-a", "user_id": "user-1"},
    {"key_sha256": hashlib.sha256(KEY_A2.encode()).hexdigest(), "org_id": "org-a", "user_id": "user-2"},
    {"key": KEY_B, "org_id": "org-b", "user_id": "user-9"}]})
SEED_REGISTER = {"redirect_uris": ["https://example.com/callback"], "client_name": "My OAuth Application",
                 "grant_types": ["authorization_code", "refresh_token"], "scope": "admin"}
SEED_CREATE = {"name": "My OAuth client", "allowed_scopes": ["admin"], "client_type": "confidential",
               "allowed_grant_types": ["client_credentials"]}
SECRETS = set()      # every secret, token and API key seen: none may reach a log or an error body
ERROR_BODIES = []
BAD_JSON_HEADERS = []  # JSON answers without Content-Type: application/json, or (but the metadata) no-store


def remember(resp):
    """Collects the credentials an answer carries, error bodies, and JSON
    answers whose headers break http.md: every JSON answer has Content-Type
    application/json and, except the metadata, Cache-Control: no-store."""
    if resp.status >= 400:
        ERROR_BODIES.append(resp.body.decode("utf-8", "replace"))
    try:
        doc = json.loads(resp.body.decode("utf-8")) if resp.body else None
    except ValueError:
        doc = None
    if doc is not None and (resp.headers.get("content-type") != "application/json" or
                            (resp.headers.get("cache-control") != "no-store" and
                             not (isinstance(doc, dict) and "issuer" in doc))):
        BAD_JSON_HEADERS.append((resp.status, resp.headers, resp.body[:200]))
    if resp.body and resp.headers.get("content-type", "").startswith("application/json"):
        def walk(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k in ("client_secret", "registration_access_token", "api_key") and isinstance(x, str):
                        SECRETS.add(x)
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(resp.json())
    return resp


def req(srv, method, path, key=None, body=None, **kw):
    return remember(call(srv, method, path, key, body, **kw))


def is_json(resp):
    try:
        resp.json()
        return resp.headers.get("content-type") == "application/json"
    except ValueError:
        return False


def test_ready_line_and_generated_key():
    srv = Server(BIN)
    check("ready line is one JSON line", srv.ready_line.endswith("\n") and srv.ready_line.count("\n") == 1)
    check("ready line: listening URL", re.fullmatch(r"http://127\.0\.0\.1:\d+", srv.url) is not None, srv.url)
    key = srv.ready.get("api_key", "")
    check("ready line: a 43-character base64url api_key for default/default",
          re.fullmatch(r"[A-Za-z0-9_-]{43}", key) is not None, key)
    SECRETS.add(key)
    r = req(srv, "POST", "/oauth_clients", key, SEED_CREATE)
    check("generated key registers for org default", r.status == 201 and r.json()["data"]["org_id"] == "default",
          r.body)
    check("generated key: user default", r.status == 201 and r.json()["data"]["user_id"] == "default")
    check("SIGTERM: exit 0", srv.stop() == 0)
    srv2 = Server(BIN, "--api-keys", KEYS)
    check("ready line: no api_key with --api-keys", "api_key" not in srv2.ready, srv2.ready_line)
    srv2.stop()


def test_bad_options():
    for argv, why in [(["--api-keys", "/nonexistent.json"], "unreadable keys file"),
                      (["--api-keys", write_json({"keys": [{"key": "k"}]})], "key without org_id"),
                      (["--api-keys", write_json({"keys": [{"key_sha256": "abc", "org_id": "o"}]})], "bad sha256"),
                      (["--api-keys", write_json({"keys": [{"key": "k", "key_sha256": "0" * 64, "org_id": "o"}]})],
                       "both key and key_sha256"),
                      (["--listen", "nonsense"], "bad --listen"),
                      (["--public-url", "ftp://x"], "bad --public-url"),
                      (["--store", "nosuch:x"], "unknown store")]:
        rc, out, err = harness.run(BIN, ["serve", "--listen", "127.0.0.1:0"] + argv)
        check("usage error, exit 2: " + why, rc == 2 and out == b"" and err != b"", (rc, out, err))


def test_every_route_needs_a_key(srv):
    routes = [("POST", "/oauth/register", SEED_REGISTER), ("POST", "/oauth_clients", SEED_CREATE),
              ("GET", "/oauth_clients", None), ("GET", "/oauth_clients/some-id", None),
              ("PUT", "/oauth_clients/some-id", {"name": "x"}), ("DELETE", "/oauth_clients/some-id", None),
              ("GET", "/oauth/register/some-id", None), ("PUT", "/oauth/register/some-id", SEED_REGISTER),
              ("DELETE", "/oauth/register/some-id", None)]
    for method, path, body in routes:
        shape = "error" if path.startswith("/oauth/register") else "errors"
        for label, auth in [("missing", None), ("malformed", ["Authorization: Basic dXNlcjpwYXNz"]),
                            ("not a bearer token", ["Authorization: Bearer"]),
                            ("unknown", ["Authorization: Bearer not-a-known-key-" + "q" * 30])]:
            r = req(srv, method, path, None, body, extra=auth or ())
            check("401 %s key: %s %s" % (label, method, path),
                  r.status == 401 and r.headers.get("www-authenticate", "").startswith("Bearer") and is_json(r),
                  (r.status, r.headers, r.body))
            # RFC 6750 3.1: no error attribute when no credential was sent;
            # invalid_token when one was sent and is not valid (http.md).
            challenge, code = ("Bearer", "unauthorized") if auth is None else ('Bearer error="invalid_token"',
                                                                               "invalid_token")
            check("401 %s key: %s %s: %s, code %s, %r envelope" % (label, method, path, challenge, code, shape),
                  r.headers.get("www-authenticate") == challenge and error_code(r) == code and shape in r.json(),
                  (r.headers, r.body))
        # RFC 6750 3.1 / RFC 9110 11.6.2: one credential per request; with two,
        # neither wins (a proxy and this server could each read a different one).
        for order in [("valid", "unknown"), ("unknown", "valid"), ("valid", "valid")]:
            keys = [KEY_A1 if k == "valid" else "not-a-known-key" for k in order]
            r = req(srv, method, path, None, body, extra=["Authorization: Bearer %s" % k for k in keys])
            err = error_code(r)
            check("400 for two Authorization headers %s: %s %s" % (order, method, path),
                  r.status == 400 and err == "invalid_request", (r.status, r.body))
    # the metadata needs no key
    r = req(srv, "GET", "/.well-known/oauth-authorization-server")
    check("metadata without a key: 200, the metadata", r.status == 200 and r.json()["issuer"] == srv.url, r.body)
    # order of checks: an unknown route is 404 before any key is asked for
    for method, path in [("GET", "/nope"), ("PATCH", "/oauth_clients/x"), ("GET", "/oauth/register"),
                         ("POST", "/oauth_clients/x"), ("GET", "/oauth_clients/a/b"), ("GET", "/oauth_clients/")]:
        r = req(srv, method, path)
        shape = "error" if path.startswith("/oauth/register") else "errors"
        check("404 before 401: %s %s" % (method, path), r.status == 404 and is_json(r), (r.status, r.body))
        check("404 before 401: %s %s: code not_found, %r envelope" % (method, path, shape),
              is_json(r) and error_code(r) == "not_found" and shape in r.json(), r.body)


def test_register_and_manage(srv):
    r = req(srv, "POST", "/oauth/register", KEY_A1, SEED_REGISTER)
    check("POST /oauth/register: 201", r.status == 201, r.body)
    reg = r.json()
    check("RFC 7591 3.2.1: client_id, client_secret, registration token and URI",
          all(k in reg for k in ("client_id", "client_id_issued_at", "client_secret", "client_secret_expires_at",
                                 "registration_access_token", "registration_client_uri")), reg)
    check("RFC 7592 3: registration_client_uri under the public URL",
          reg["registration_client_uri"] == srv.url + "/oauth/register/" + reg["client_id"], reg)
    check("secrets and tokens: 43 characters", len(reg["client_secret"]) == 43 and
          len(reg["registration_access_token"]) == 43)
    check("Cache-Control: no-store on credentials", r.headers.get("cache-control") == "no-store", r.headers)
    check("RFC 7591 3.2.1: the registered metadata, defaults applied (api.md)",
          all(reg.get(k) == v for k, v in SEED_REGISTER.items()) and
          reg.get("token_endpoint_auth_method") == "client_secret_basic" and reg.get("response_types") == ["code"],
          reg)
    check("RFC 7591 3.2.1: client_id a UUID v4, issued_at and expires_at integers",
          re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", reg["client_id"])
          is not None and abs(reg["client_id_issued_at"] - time.time()) < 600 and
          isinstance(reg["client_secret_expires_at"], int), reg)
    cid, token = reg["client_id"], reg["registration_access_token"]
    path = "/oauth/register/" + cid
    r = req(srv, "GET", path, token)
    check("RFC 7592 2.1 read: 200 without the secret", r.status == 200 and "client_secret" not in r.json() and
          r.json()["client_id"] == cid, r.body)
    check("RFC 7592 3: the read answer carries a fresh registration access token and the URI",
          len(r.json().get("registration_access_token", "")) == 43 and
          r.json()["registration_access_token"] != token and
          r.json().get("registration_client_uri") == reg["registration_client_uri"], r.body)
    unread = ("client_secret", "registration_access_token")
    check("RFC 7592 2.1: the read answers the registration as registered",
          {k: v for k, v in r.json().items() if k not in unread} == {k: v for k, v in reg.items() if k not in unread},
          (r.body, reg))
    old_token, token = token, r.json().get("registration_access_token", token)
    r = req(srv, "GET", path, old_token)
    check("RFC 7592 3: the token presented stops working once a fresh one is issued",
          r.status == 401 and r.json()["error"] == "invalid_token", r.body)
    for label, key in [("wrong token", "w" * 43), ("an API key", KEY_A1)]:
        r = req(srv, "GET", path, key)
        check("RFC 7592 2: %s is 401" % label, r.status == 401 and r.json()["error"] == "invalid_token", r.body)
    wrong = r
    same = lambda a: a.status == 401 and a.body == wrong.body and \
        a.headers.get("www-authenticate") == wrong.headers.get("www-authenticate") == 'Bearer error="invalid_token"'
    r = req(srv, "GET", "/oauth/register/00000000-0000-4000-8000-000000000000", token)
    check("RFC 7592 2: an unknown client is 401 like a wrong token", r.status == 401, r.body)
    check("RFC 7592 2: an unknown client: the very answer of a wrong token (body and challenge)", same(r),
          (r.headers, r.body, wrong.body))
    other = req(srv, "POST", "/oauth/register", KEY_B, SEED_REGISTER).json()
    r = req(srv, "GET", path, other["registration_access_token"])
    check("RFC 7592 2: another client's token is 401", r.status == 401, r.body)
    check("RFC 7592 2: another client's token: the very answer of a wrong token", same(r), (r.headers, r.body))
    update = dict(SEED_REGISTER, client_id=cid, client_name="Renamed")
    r = req(srv, "PUT", path, token, update)
    check("RFC 7592 2.2 update: 200", r.status == 200 and r.json()["client_name"] == "Renamed", r.body)
    check("RFC 7592 2.2 update: the answer is the metadata sent, for this client, without a secret",
          all(r.json().get(k) == v for k, v in update.items()) and "client_secret" not in r.json() and
          r.json()["client_id_issued_at"] == reg["client_id_issued_at"] and
          r.json().get("registration_client_uri") == reg["registration_client_uri"], r.body)
    check("RFC 7592 3: the update answer carries the registration access token",
          len(r.json().get("registration_access_token", "")) == 43, r.body)
    token = r.json().get("registration_access_token", token)
    r = req(srv, "PUT", path, token, dict(update, redirect_uris=["http://evil.example/cb"]))
    check("RFC 7592 2.2 invalid update: 400 invalid_redirect_uri",
          r.status == 400 and r.json()["error"] == "invalid_redirect_uri", r.body)
    r = req(srv, "PUT", path, token, "{not json")
    check("RFC 7592 2.2 malformed JSON: 400", r.status == 400 and "error" in r.json(), r.body)
    check("RFC 7592 2.2 malformed JSON: code invalid_client_metadata (api.md)",
          r.json().get("error") == "invalid_client_metadata", r.body)
    r = req(srv, "GET", path, token)
    check("RFC 7592 2.2: a refused update changes nothing", r.status == 200 and r.json()["client_name"] == "Renamed"
          and r.json()["redirect_uris"] == SEED_REGISTER["redirect_uris"], r.body)
    token = r.json().get("registration_access_token", token)
    r = req(srv, "DELETE", path, token)
    check("RFC 7592 2.3 delete: 204 with no body", r.status == 204 and r.body == b"", r.body)
    r = req(srv, "GET", path, token)
    check("RFC 7592 2.3: the token dies with the client", r.status == 401 and r.json()["error"] == "invalid_token",
          r.body)
    r = req(srv, "POST", "/oauth/register", KEY_A1, {"redirect_uris": ["https://a.example/cb#frag"]})
    check("RFC 7591 3.2.2: 400 invalid_redirect_uri", r.status == 400 and r.json()["error"] == "invalid_redirect_uri",
          r.body)
    r = req(srv, "POST", "/oauth/register", KEY_A1, '{"client_name":"a","client_name":"b"}')
    check("RFC 7591 3.2.2: duplicate member is 400 with error", r.status == 400 and "error" in r.json(), r.body)
    check("RFC 7591 3.2.2: duplicate member: invalid_client_metadata naming the member",
          r.json().get("error") == "invalid_client_metadata" and "client_name" in r.json()["error_description"],
          r.body)
    r = req(srv, "POST", "/oauth/register", KEY_A1, "[1]")
    check("RFC 7591 3.1: a body that is not an object is 400", r.status == 400, r.body)
    check("RFC 7591 3.1: a body that is not an object: invalid_client_metadata",
          r.status == 400 and error_code(r) == "invalid_client_metadata" and "error" in r.json(), r.body)
    r = req(srv, "POST", "/oauth/register?x=1", KEY_A1, SEED_REGISTER)
    check("unknown query parameter on /oauth/register: 400", r.status == 400, r.body)
    check("unknown query parameter on /oauth/register: invalid_request, RFC 7591 envelope",
          r.status == 400 and error_code(r) == "invalid_request" and "error" in r.json(), r.body)


def test_records(srv):
    r = req(srv, "POST", "/oauth_clients", KEY_A1, SEED_CREATE)
    check("POST /oauth_clients: 201 {data}", r.status == 201 and r.json()["data"]["record_type"] == "oauth_client",
          r.body)
    rec = r.json()["data"]
    check("created confidential client carries its secret once", len(rec.get("client_secret", "")) == 43, rec)
    check("absent optional members are left out, not null", None not in rec.values() and "logo_uri" not in rec, rec)
    check("timestamps RFC 3339 UTC with Z", re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec["created_at"])
          is not None, rec["created_at"])
    check("201: the record is the one sent, for the key's org and user (api.md)",
          all(rec.get(k) == v for k, v in SEED_CREATE.items()) and rec["org_id"] == "org-a" and
          rec["user_id"] == "user-1" and rec["origin"] == "api" and rec["redirect_uris"] == [] and
          rec["token_endpoint_auth_method"] != "none" and isinstance(rec["require_pkce"], bool) and
          rec["updated_at"] == rec["created_at"] and isinstance(rec["client_secret_expires_at"], int), rec)
    cid = rec["client_id"]
    r = req(srv, "GET", "/oauth_clients/" + cid, KEY_A2)
    check("GET /oauth_clients/{id}: 200, same org other user", r.status == 200 and
          r.json()["data"]["client_id"] == cid and "client_secret" not in r.json()["data"], r.body)
    check("GET /oauth_clients/{id}: the record as created, but the secret",
          r.json()["data"] == {k: v for k, v in rec.items() if k != "client_secret"}, (r.body, rec))
    for method, body in [("GET", None), ("PUT", {"name": "stolen"}), ("DELETE", None)]:
        r = req(srv, method, "/oauth_clients/" + cid, KEY_B, body)
        unknown = req(srv, method, "/oauth_clients/00000000-0000-4000-8000-000000000000", KEY_B, body)
        check("another organization's client is 404 exactly like an unknown one: " + method,
              r.status == 404 and unknown.status == 404 and r.json()["errors"][0]["code"] ==
              unknown.json()["errors"][0]["code"], (r.body, unknown.body))
        check("another organization's client: code not_found, the same errors document as an unknown id: " +
              method, error_code(r) == "not_found" and r.body == unknown.body.replace(
                  b"00000000-0000-4000-8000-000000000000", cid.encode()), (r.body, unknown.body))
        check("404 on /oauth_clients/{id}: no source.pointer, the id is in the path not the body: " + method,
              r.status == 404 and "source" not in r.json()["errors"][0], r.body)
    r = req(srv, "PUT", "/oauth_clients/" + cid, KEY_A1, {"name": "Renamed", "allowed_scopes": ["admin", "read"]})
    check("PUT /oauth_clients/{id}: partial update 200", r.status == 200 and r.json()["data"]["name"] == "Renamed" and
          r.json()["data"]["allowed_scopes"] == ["admin", "read"] and
          r.json()["data"]["allowed_grant_types"] == ["client_credentials"], r.body)
    patched = r.json()["data"]
    check("PUT partial update: every member not sent stays, no secret, updated_at not before created_at",
          {k: v for k, v in patched.items() if k not in ("name", "allowed_scopes", "updated_at")} ==
          {k: v for k, v in rec.items() if k not in ("name", "allowed_scopes", "updated_at", "client_secret")} and
          patched["updated_at"] >= patched["created_at"], (patched, rec))
    r = req(srv, "GET", "/oauth_clients/" + cid, KEY_A2)
    check("PUT partial update: a read answers the updated record", r.status == 200 and r.json()["data"] == patched,
          r.body)
    r = req(srv, "PUT", "/oauth_clients/" + cid, KEY_A1, {"redirect_uris": ["javascript:alert(1)"]})
    check("PUT invalid result: 422 with a JSON pointer", r.status == 422 and
          r.json()["errors"][0]["code"] == "invalid_redirect_uri" and
          r.json()["errors"][0]["source"]["pointer"] == "/redirect_uris/0", r.body)
    r = req(srv, "GET", "/oauth_clients/" + cid, KEY_A1)
    check("an invalid update changes nothing", r.json()["data"]["name"] == "Renamed" and
          r.json()["data"].get("redirect_uris", []) == [], r.body)
    check("an invalid update changes nothing: the record as the last 200 answered it", r.json()["data"] == patched,
          r.body)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, dict(SEED_CREATE, redirect_uris=["http://example.com/cb"]))
    check("POST invalid metadata: 422 invalid_redirect_uri", r.status == 422 and
          r.json()["errors"][0]["source"]["pointer"] == "/redirect_uris/0", r.body)
    check("POST invalid metadata: code invalid_redirect_uri", error_code(r) == "invalid_redirect_uri", r.body)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, dict(SEED_CREATE, client_type="public"))
    check("RFC 9700: a public client cannot use client_credentials: 422", r.status == 422, r.body)
    check("RFC 9700: a public client with client_credentials: invalid_client_metadata at /client_type or "
          "/allowed_grant_types", error_code(r) == "invalid_client_metadata" and
          r.json()["errors"][0].get("source", {}).get("pointer") in ("/client_type", "/allowed_grant_types"), r.body)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, '{"name": "x",')
    check("POST malformed JSON: 400 errors document", r.status == 400 and "errors" in r.json(), r.body)
    check("POST malformed JSON: code invalid_client_metadata (api.md)", error_code(r) == "invalid_client_metadata",
          r.body)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, {"name": "x"})
    check("POST missing required members: 422 or 400", r.status in (400, 422) and "errors" in r.json(), r.body)
    check("POST missing required members: 422 invalid_client_metadata pointing at a missing member",
          r.status == 422 and error_code(r) == "invalid_client_metadata" and
          r.json()["errors"][0].get("source", {}).get("pointer") in
          ("/allowed_scopes", "/client_type", "/allowed_grant_types"), r.body)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, "name=x", content_type="application/x-www-form-urlencoded")
    check("415: a body that is not application/json", r.status == 415 and "errors" in r.json(), r.body)
    check("415: code unsupported_media_type", error_code(r) == "unsupported_media_type", r.body)
    r = req(srv, "POST", "/oauth/register", KEY_A1, json.dumps(SEED_REGISTER), content_type="text/plain")
    check("415 on /oauth/register too, RFC 7591 envelope", r.status == 415 and "error" in r.json(), r.body)
    check("415 on /oauth/register: error unsupported_media_type", r.json().get("error") == "unsupported_media_type",
          r.body)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, SEED_CREATE, content_type="Application/JSON; charset=utf-8")
    check("application/json with parameters and any case is JSON", r.status == 201, r.body)
    check("application/json with parameters: the body was read as sent",
          r.status == 201 and all(r.json()["data"].get(k) == v for k, v in SEED_CREATE.items()), r.body)
    r = req(srv, "DELETE", "/oauth_clients/" + cid, KEY_A2)
    check("DELETE /oauth_clients/{id}: 204", r.status == 204 and r.body == b"", r.body)
    r = req(srv, "GET", "/oauth_clients/" + cid, KEY_A1)
    check("deleted: 404", r.status == 404, r.body)
    check("deleted: code not_found", error_code(r) == "not_found", r.body)


def test_paging_and_query(srv):
    key = srv.ready["api_key"]
    SECRETS.add(key)
    ids = []
    for i in range(5):
        body = dict(SEED_CREATE, name="Paging %d" % i, client_type="public" if i % 2 else "confidential",
                    allowed_grant_types=["authorization_code"] if i % 2 else ["client_credentials"])
        if i % 2:
            body["redirect_uris"] = ["https://a.example/cb"]
        r = req(srv, "POST", "/oauth_clients", key, body)
        ids.append(r.json()["data"]["client_id"])
        if i == 1:
            check("a public client is token_endpoint_auth_method none, require_pkce true, no secret (http.md, api.md)",
                  r.status == 201 and r.json()["data"]["client_type"] == "public" and
                  r.json()["data"]["token_endpoint_auth_method"] == "none" and
                  r.json()["data"]["require_pkce"] is True and "client_secret" not in r.json()["data"], r.body)
    r = req(srv, "GET", "/oauth_clients", key)
    check("GET /oauth_clients: all 5, client_id order", r.status == 200 and
          [c["client_id"] for c in r.json()["data"]] == sorted(ids), r.body)
    check("meta defaults", r.json()["meta"] == {"page_number": 1, "page_size": 20, "total_pages": 1,
                                                "total_results": 5}, r.json()["meta"])
    check("GET /oauth_clients: oauth_client records, never a secret (api.md)",
          all(c["record_type"] == "oauth_client" and "client_secret" not in c for c in r.json()["data"]), r.body)
    r = req(srv, "GET", "/oauth_clients?page%5Bnumber%5D=2&page%5Bsize%5D=2", key)
    check("percent-encoded page[number]=2&page[size]=2", r.status == 200 and
          [c["client_id"] for c in r.json()["data"]] == sorted(ids)[2:4] and
          r.json()["meta"] == {"page_number": 2, "page_size": 2, "total_pages": 3, "total_results": 5}, r.body)
    r = req(srv, "GET", "/oauth_clients?page[number]=9&page[size]=2", key)
    check("a page past the end: empty data, true meta", r.status == 200 and r.json()["data"] == [] and
          r.json()["meta"]["total_results"] == 5, r.body)
    for n in ["100000001", "9007199254740991"]:
        r = req(srv, "GET", "/oauth_clients?page[size]=2&page[number]=" + n, key)
        check("page[number]=%s: an empty page past the end, true meta" % n, r.status == 200 and
              r.json()["data"] == [] and r.json()["meta"] == {"page_number": int(n), "page_size": 2,
                                                              "total_pages": 3, "total_results": 5}, (r.status, r.body))
    # RFC 7493 2.2: a page number no JSON reader holds exactly is refused, not echoed wrong.
    for n in ["9007199254740992", "18446744073709551616", "99999999999999999999999"]:
        r = req(srv, "GET", "/oauth_clients?page[size]=2&page[number]=" + n, key)
        check("page[number]=%s: 400" % n, r.status == 400 and b"9007199254740991" in r.body, (r.status, r.body))
        check("page[number]=%s: invalid_request naming page[number]" % n, error_code(r) == "invalid_request" and
              r.json()["errors"][0].get("source") == {"parameter": "page[number]"}, r.body)
    for q, n in [("filter%5Bclient_type%5D=public", 2), ("filter[name]=Paging%203", 1),
                 ("filter[name][contains]=paging", 5), ("filter[name][contains]=Paging+4", 1),
                 ("filter[allowed_grant_types][contains]=client_credentials", 3),
                 ("filter[client_id]=" + ids[0], 1)]:
        r = req(srv, "GET", "/oauth_clients?" + q, key)
        check("filter %s: %d" % (q, n), r.status == 200 and len(r.json()["data"]) == n and
              r.json()["meta"]["total_results"] == n, r.body)
        want = {"filter%5Bclient_type%5D=public": lambda c: c["client_type"] == "public",
                "filter[name]=Paging%203": lambda c: c["name"] == "Paging 3",
                "filter[name][contains]=Paging+4": lambda c: c["name"] == "Paging 4",
                "filter[allowed_grant_types][contains]=client_credentials":
                    lambda c: "client_credentials" in c["allowed_grant_types"],
                "filter[client_id]=" + ids[0]: lambda c: c["client_id"] == ids[0]}.get(q, lambda c: True)
        check("filter %s: the clients that match" % q, r.status == 200 and all(want(c) for c in r.json()["data"]),
              r.body)
    # http.md: 400 naming the parameter in source.parameter; None where no
    # parameter is named (no name, or a broken escape).
    for q, named in [("page[number]=0", "page[number]"), ("page[number]=abc", "page[number]"),
                     ("page[number]=-1", "page[number]"), ("page[number]=1.5", "page[number]"),
                     ("page[size]=251", "page[size]"), ("page[size]=0", "page[size]"),
                     ("page[size]=99999999999999999999999", "page[size]"), ("page[number]=", "page[number]"),
                     ("color=blue", "color"), ("page[number]=1&page[number]=2", "page[number]"),
                     ("page%5Bnumber%5D=1&page[number]=2", "page[number]"), ("page[number]=%zz", None),
                     ("page%5number%5D=1", None), ("filter[client_type]=private", "filter[client_type]"),
                     ("filter[allowed_grant_types][contains]=password2", "filter[allowed_grant_types][contains]"),
                     ("filter[verified]=true", "filter[verified]"), ("=1", None)]:
        r = req(srv, "GET", "/oauth_clients?" + q, key)
        check("400 for query %r" % q, r.status == 400 and r.json()["errors"][0]["code"] == "invalid_request",
              (r.status, r.body))
        if named:
            check("400 for query %r names %s in source.parameter" % (q, named),
                  r.json()["errors"][0].get("source") == {"parameter": named}, r.body)
    r = req(srv, "GET", "/oauth_clients?page[size]=1", KEY_B)
    check("another organization lists none of these", r.status == 200 and r.json()["data"] == [] and
          r.json()["meta"]["total_results"] == 0, r.body)


def test_metadata():
    srv = Server(BIN, "--public-url", "https://reg.example.com/tenant/", "--api-keys", KEYS)
    r = req(srv, "GET", "/.well-known/oauth-authorization-server")
    m = r.json()
    check("RFC 8414 3.2: the metadata is 200 application/json", r.status == 200 and is_json(r), (r.status, r.headers))
    check("the metadata names no authorization or token endpoint of its own (http.md)",
          "authorization_endpoint" not in m and "token_endpoint" not in m, m)
    check("RFC 8414 2: issuer is the public URL without a trailing slash", m["issuer"] ==
          "https://reg.example.com/tenant", m)
    check("RFC 8414 2: registration_endpoint under the issuer", m["registration_endpoint"] ==
          "https://reg.example.com/tenant/oauth/register", m)
    check("RFC 8414 2: the profile's lists", m["grant_types_supported"] == ["authorization_code",
          "client_credentials", "refresh_token"] and m["response_types_supported"] == ["code"] and
          m["token_endpoint_auth_methods_supported"] == ["none", "client_secret_basic", "client_secret_post",
                                                         "private_key_jwt"] and
          m["token_endpoint_auth_signing_alg_values_supported"] == ["RS256", "PS256", "ES256", "EdDSA"] and
          "client_id_metadata_document_supported" not in m, m)
    r2 = req(srv, "GET", "/.well-known/oauth-authorization-server/tenant")
    check("RFC 8414 3: path-suffixed well-known location", r2.status == 200 and r2.json() == m, r2.body)
    r = req(srv, "POST", "/oauth/register", KEY_A1, SEED_REGISTER)
    check("registration_client_uri under --public-url", r.json()["registration_client_uri"].startswith(
        "https://reg.example.com/tenant/oauth/register/"), r.body)
    check("registration_client_uri is {issuer}/oauth/register/{client_id}", r.status == 201 and
          r.json()["registration_client_uri"] == m["issuer"] + "/oauth/register/" + r.json()["client_id"], r.body)
    srv.stop()


def test_framing(srv):
    # chunked body
    body = json.dumps(SEED_REGISTER).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7))
    with srv.connect() as s:
        s.sendall(b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY_A1.encode() +
                  b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
        r = remember(Reader(s).read())
    check("chunked body: 201", r.status == 201, r.body)
    check("chunked body: the chunks read as one body", r.status == 201 and
          all(r.json().get(k) == v for k, v in SEED_REGISTER.items()), r.body)
    # 100-continue: the body is sent only after the interim answer
    with srv.connect() as s:
        rd = Reader(s)
        s.sendall(request_bytes("POST", "/oauth/register", KEY_A1, body, extra=["Expect: 100-continue"])[:-len(body)])
        interim = rd.read()
        s.sendall(body)
        r = remember(rd.read())
    check("Expect: 100-continue gets 100, then 201", interim.status == 100 and r.status == 201,
          (interim.status, r.status))
    check("Expect: 100-continue: the body sent after 100 is the one registered", r.status == 201 and
          all(r.json().get(k) == v for k, v in SEED_REGISTER.items()), r.body)
    # RFC 9110 10.1.1: when the head decides, the final answer comes instead of 100
    for label, key, want in [("no key", None, 401), ("unknown route", KEY_A1, 404)]:
        with srv.connect() as s:
            path = "/oauth/register" if want == 401 else "/oauth/nowhere"
            s.sendall(request_bytes("POST", path, key, body, extra=["Expect: 100-continue"])[:-len(body)])
            rd = Reader(s)
            r = remember(rd.read())
            check("Expect: 100-continue, %s: %d without 100, then close" % (label, want),
                  r.status == want and rd.closed(), (r.status, r.body))
            check("Expect: 100-continue, %s: code %s" % (label, "unauthorized" if want == 401 else "not_found"),
                  error_code(r) == ("unauthorized" if want == 401 else "not_found"), r.body)
    # pipelined requests on one connection are answered in order
    with srv.connect() as s:
        rd = Reader(s)
        s.sendall(request_bytes("GET", "/.well-known/oauth-authorization-server") +
                  request_bytes("POST", "/oauth/register", KEY_A1, SEED_REGISTER) +
                  request_bytes("GET", "/nope"))
        answers = [remember(rd.read()) for _ in range(3)]
        got = [a.status for a in answers]
    check("pipelined: three answers in order", got == [200, 201, 404], got)
    check("pipelined: each answer is its request's (metadata, registration, not_found)",
          got == [200, 201, 404] and answers[0].json()["issuer"] == srv.url and
          answers[1].json()["client_name"] == SEED_REGISTER["client_name"] and error_code(answers[2]) == "not_found",
          [a.body[:80] for a in answers])
    # a body over the limit: 413 on the headers alone, then the connection closes
    with srv.connect() as s:
        s.sendall(b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY_A1.encode() +
                  b"\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n" + b"{" * 1000)
        rd = Reader(s)
        r = remember(rd.read())
        check("413 before the body is read", r.status == 413 and r.json()["error"] == "body_too_large", r.body)
        check("413: connection closes", r.headers.get("connection") == "close", r.headers)
    with srv.connect() as s:
        s.sendall(b"POST /oauth_clients HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY_A1.encode() +
                  b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(80):
                s.sendall(b"400\r\n" + b" " * 1024 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = remember(Reader(s).read())
        check("chunked body over the limit: 413", r.status == 413 and "errors" in r.json(), r.body)
        check("chunked body over the limit: code body_too_large", error_code(r) == "body_too_large", r.body)
    with srv.connect() as s:
        s.sendall(b"POST /oauth_clients HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n")
        r = remember(Reader(s).read())
        check("order: no key beats a body over the limit (401)", r.status == 401, r.status)
        check("order: no key beats a body over the limit: code unauthorized, WWW-Authenticate: Bearer",
              error_code(r) == "unauthorized" and r.headers.get("www-authenticate") == "Bearer", (r.headers, r.body))
    r = req(srv, "POST", "/oauth_clients", KEY_A1, b" " * (64 * 1024 + 1))
    check("a body one byte over 64 KiB: 413", r.status == 413, r.status)
    check("a body one byte over 64 KiB: code body_too_large", error_code(r) == "body_too_large", r.body)
    # malformed HTTP: 400 and close
    for raw, want in [(b"THIS IS NOT HTTP\r\n\r\n", 400), (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
                      (b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
                      (b"POST /oauth/register HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400)]:
        with srv.connect() as s:
            s.sendall(raw)
            rd = Reader(s)
            r = rd.read()
            check("malformed HTTP %r: %d, JSON, closed" % (raw[:20], want), r.status == want and is_json(r) and
                  rd.closed(), (r.status, r.body))
            check("malformed HTTP %r: an errors document%s" % (raw[:20], ", invalid_request" if want == 400 else ""),
                  is_json(r) and "errors" in r.json() and (want != 400 or error_code(r) == "invalid_request"),
                  r.body)
    # dropped mid-request, mid-header and mid-body: the server goes on
    for raw in [b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nContent-Le",
                request_bytes("POST", "/oauth/register", KEY_A1, SEED_REGISTER)[:-10]]:
        s = srv.connect()
        s.sendall(raw)
        s.close()
    r = req(srv, "GET", "/.well-known/oauth-authorization-server")
    check("a connection dropped mid-request harms no one", r.status == 200, r.status)


def test_timeouts():
    srv = Server(BIN, "--api-keys", KEYS, "--read-timeout-ms", "1500", "--idle-timeout-ms", "1000")
    slow = srv.connect(timeout=20)
    raw = request_bytes("POST", "/oauth/register", KEY_A1, SEED_REGISTER)
    result = {}

    def trickle():
        t0 = time.monotonic()
        try:
            for b in raw:
                slow.sendall(bytes([b]))
                time.sleep(0.25)  # the slow client's pace, not a wait for the server
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            result["data"] = slow.recv(1000)
        except (ConnectionResetError, socket.timeout):
            result["data"] = b""
        result["t"] = time.monotonic() - t0

    t = threading.Thread(target=trickle)
    t.start()
    served = 0
    while t.is_alive() and served < 400:
        served += req(srv, "GET", "/oauth_clients", KEY_A1).status == 200
    t.join(60)
    check("others are served while a client trickles a byte at a time", served >= 5, served)
    check("the slow sender is cut after the read timeout, unanswered", result.get("data") == b"" and
          1.4 < result.get("t", 0) < 20, result)
    idle = srv.connect(timeout=20)
    idle.sendall(request_bytes("GET", "/.well-known/oauth-authorization-server"))
    rd = Reader(idle)
    first = rd.read()
    t0 = time.monotonic()
    closed = rd.closed()
    check("an idle kept-alive connection is closed after the idle timeout",
          first.status == 200 and closed and 0.8 < time.monotonic() - t0 < 15, time.monotonic() - t0)
    srv.stop()


def test_many_connections(srv, n=1000):
    socks = []
    for i in range(n):  # from 20 addresses, 50 each: under the per-address cap (64)
        s = socket.create_connection((srv.host, srv.port), timeout=60, source_address=("127.0.1.%d" % (1 + i % 20), 0))
        socks.append(s)
    for round_no in range(2):
        for s in socks:
            s.sendall(request_bytes("GET", "/oauth_clients?page[size]=1", KEY_A1))
        ok = 0
        for s in socks:
            ok += Reader(s).read().status == 200
        check("%d concurrent keep-alive connections, round %d: all answered" % (n, round_no + 1), ok == n, ok)
    for s in socks:
        s.close()


def test_cap_on_connections():
    srv = Server(BIN, "--api-keys", KEYS, "--max-connections", "2")
    a, b = srv.connect(), srv.connect()
    for s in (a, b):  # both busy: a request head under way
        s.sendall(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\n")
    c = srv.connect(timeout=2)
    c.sendall(request_bytes("GET", "/.well-known/oauth-authorization-server"))
    try:
        Reader(c).read()
        waited = False
    except socket.timeout:
        waited = True
    check("over the connection cap, with none idle, a new connection waits", waited)
    a.close()
    c.settimeout(30)
    r = Reader(c).read()
    check("it is served once another closes", r.status == 200, r.status)
    # c is now idle (kept alive): at the cap it is the one to go for a new connection.
    d = srv.connect(timeout=10)
    d.sendall(request_bytes("GET", "/.well-known/oauth-authorization-server"))
    r = Reader(d).read()
    check("at the cap the idle connection is closed first, and the new one served", r.status == 200 and
          Reader(c).closed(), r.status)
    for s in (b, c, d):
        s.close()
    srv.stop()


def test_sigterm_drains():
    srv = Server(BIN, "--api-keys", KEYS)
    idle = srv.connect()
    pending = []
    for i in range(20):
        s = srv.connect()
        raw = request_bytes("POST", "/oauth/register", KEY_A1, dict(SEED_REGISTER, client_name="drain %d" % i))
        s.sendall(raw[:-5])  # in flight: the server holds all but the last bytes
        pending.append((s, raw[-5:]))
    r = req(srv, "GET", "/.well-known/oauth-authorization-server")  # every connection above is accepted
    srv.p.send_signal(signal.SIGTERM)
    check("SIGTERM: an idle connection is closed", Reader(idle).closed())
    got, names = [], []
    for s, rest in pending:
        s.sendall(rest)
        try:
            a = remember(Reader(s).read())
            got.append(a.status)
            names.append(a.json().get("client_name") if a.status == 201 else None)
        except EOFError:
            got.append(None)
        s.close()
    check("SIGTERM: each request in flight gets its answer", got == [201] * 20, got)
    check("SIGTERM: each answer registers its own request's client",
          names == ["drain %d" % i for i in range(20)], names)
    rc = srv.p.wait(timeout=60)
    check("SIGTERM: exit 0 after the drain", rc == 0, rc)
    srv.stop()
    try:
        socket.create_connection((srv.host, srv.port), timeout=5).close()
        refused = False
    except OSError:
        refused = True
    check("SIGTERM: no longer accepting", refused)


def test_kill9_sqlite():
    d = scratch_dir()
    store = "sqlite:" + os.path.join(d, "clients.db")
    srv = Server(BIN, "--api-keys", KEYS, "--store", store)
    acked = []
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                r = call(srv, "POST", "/oauth_clients", KEY_A1, dict(SEED_CREATE, name="n%d" % len(acked)))
            except (OSError, EOFError):
                return
            if r.status == 201:
                acked.append(r.json()["data"]["client_id"])

    t = threading.Thread(target=loop)
    t.start()
    while len(acked) < 30:
        if not t.is_alive():
            break
        time.sleep(0.01)  # polling the client loop's progress, not waiting for the server
    srv.p.send_signal(signal.SIGKILL)
    srv.p.wait(timeout=60)
    stop.set()
    t.join(60)
    srv.stop()
    again = Server(BIN, "--api-keys", KEYS, "--store", store)
    missing = [i for i in acked if call(again, "GET", "/oauth_clients/" + i, KEY_A1).status != 200]
    check("kill -9 on SQLite: every 201 is there after a restart (%d acknowledged)" % len(acked),
          len(acked) >= 30 and not missing, missing[:3])
    again.stop()


def test_store_failure_logged():
    """A store failure's own text (here SQLite's) reaches standard error as one
    JSON line; the answer names only the operation; nothing secret is logged."""
    import sqlite3
    path = os.path.join(scratch_dir(), "failing.db")
    srv = Server(BIN, "--api-keys", KEYS, "--store", "sqlite:" + path)
    r = req(srv, "POST", "/oauth_clients", KEY_A1, SEED_CREATE)
    check("store failure: a client is made first", r.status == 201, r.body)
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE oauth_clients RENAME TO moved_away")  # the server's statements now fail
    db.commit()
    db.close()
    r = req(srv, "GET", "/oauth_clients", KEY_A1)
    check("store failure: 500 naming only the operation", r.status == 500 and "oauth_clients" not in
          r.body.decode() and r.json()["errors"][0]["detail"] == "storage failure: page", (r.status, r.body))
    check("store failure: the server exits 0", srv.stop() == 0)
    lines = [json.loads(l) for l in srv.log_lines if l.strip()]
    store_lines = [l for l in lines if "store_error" in l]
    check("store failure: SQLite's own text on standard error, one JSON line",
          store_lines == [{"store_error": "page: no such table: oauth_clients"}], srv.log())
    return srv


def test_two_servers(store, label):
    a = Server(BIN, "--api-keys", KEYS, "--store", store)
    b = Server(BIN, "--api-keys", KEYS, "--store", store)
    r = req(a, "POST", "/oauth_clients", KEY_A1, SEED_CREATE)
    cid = r.json()["data"]["client_id"]
    r = req(b, "GET", "/oauth_clients/" + cid, KEY_A2)
    check(label + ": created on A, read on B", r.status == 200 and r.json()["data"]["name"] == SEED_CREATE["name"],
          r.body)
    r = req(b, "PUT", "/oauth_clients/" + cid, KEY_A1, {"name": "Changed on B"})
    check(label + ": updated on B", r.status == 200 and r.json()["data"]["name"] == "Changed on B" and
          r.json()["data"]["client_id"] == cid, r.body)
    r = req(a, "GET", "/oauth_clients/" + cid, KEY_A1)
    check(label + ": A sees B's update", r.json()["data"]["name"] == "Changed on B", r.body)
    reg = req(b, "POST", "/oauth/register", KEY_A1, SEED_REGISTER).json()
    r = req(a, "GET", "/oauth/register/" + reg["client_id"], reg["registration_access_token"])
    check(label + ": RFC 7592 read on A of B's registration", r.status == 200 and
          r.json()["client_id"] == reg["client_id"] and r.json()["client_name"] == SEED_REGISTER["client_name"],
          r.body)
    la = req(a, "GET", "/oauth_clients?page[size]=250", KEY_A1).json()
    lb = req(b, "GET", "/oauth_clients?page[size]=250", KEY_A2).json()
    strip = lambda l: [{k: v for k, v in c.items()} for c in l["data"]]
    check(label + ": both list the same clients", strip(la) == strip(lb) and la["meta"] == lb["meta"] and
          cid in [c["client_id"] for c in la["data"]], (la["meta"], lb["meta"]))
    r = req(b, "DELETE", "/oauth_clients/" + cid, KEY_A1)
    check(label + ": deleted on B", r.status == 204, r.body)
    r = req(a, "GET", "/oauth_clients/" + cid, KEY_A1)
    check(label + ": gone on A", r.status == 404 and error_code(r) == "not_found", r.body)
    # A lost update across processes: patches sent to A and to B at once.
    test_conflicts([a, b], label)
    check(label + ": both exit 0", a.stop() == 0 and b.stop() == 0)


# Each writer of test_conflicts owns one member of the record and sets only it,
# each time to a value never sent before: the member, and its value for a tag.
CONFLICT_MEMBERS = [("name", lambda tag: "name " + tag),
                    ("logo_uri", lambda tag: "https://a.example/logo/" + tag),
                    ("tos_uri", lambda tag: "https://a.example/tos/" + tag),
                    ("policy_uri", lambda tag: "https://a.example/policy/" + tag),
                    ("redirect_uris", lambda tag: ["https://a.example/cb/" + tag]),
                    ("allowed_scopes", lambda tag: ["scope-" + tag])]


def test_conflicts(servers, label, enough_conflicts=20, max_seconds=20):
    """A lost update is impossible.

    PUT /oauth_clients/{id} is a patch the server applies as a read-modify-
    write (registry.patch): it reads the record, merges the members sent, and
    writes the whole record back. So two patches of different members do not
    commute by themselves: each writes back the other's member as it was when
    it read. What keeps both is the version check at the write: the stored
    version must still be the one read, else 409 and nothing is written.

    Statuses alone cannot show that (a store with no version check answers
    every patch 200), so each round sends one patch per writer at the same
    moment (a barrier, on connections opened beforehand, spread over
    `servers`), each setting the member only that writer touches to a value
    never sent before, and then reads the record back. Every member must then
    hold its writer's new value if the patch was answered 200, and its value
    from before the round if it was answered 409. A store without the check
    (last writer wins over a stale read) answers 200 to a patch that read
    before another's write and wrote after it, and that write puts the
    other's member back as it was before the round: a change answered 200 is
    missing from the record, and the round fails. Each round is judged on its
    own, so the next change of the same member cannot hide a lost one.

    A 409 is such an overlap caught by the check: the rounds go on until
    `enough_conflicts` were answered (or `max_seconds` pass), and at least one
    is required, else the writers never overlapped and the rounds show
    nothing."""
    r = req(servers[0], "POST", "/oauth_clients", KEY_A1, SEED_CREATE)
    cid = r.json()["data"]["client_id"]
    path = "/oauth_clients/" + cid
    record = req(servers[0], "GET", path, KEY_A1).json()["data"]
    expected = {m: record.get(m) for m, _ in CONFLICT_MEMBERS}
    readers = [Reader(servers[w % len(servers)].connect()) for w in range(len(CONFLICT_MEMBERS))]
    statuses, lost, wrong_answers, bad_409 = [], [], [], []
    t0 = time.monotonic()
    rounds = 0
    while statuses.count(409) < enough_conflicts and time.monotonic() - t0 < max_seconds:
        rounds += 1
        start = threading.Barrier(len(readers))
        answers = [None] * len(readers)

        def writer(w, tag):
            member, value = CONFLICT_MEMBERS[w]
            raw = request_bytes("PUT", path, KEY_A1, {member: value(tag)})
            start.wait()
            readers[w].sock.sendall(raw)
            answers[w] = remember(readers[w].read())

        tags = ["%d-%d" % (rounds, w) for w in range(len(readers))]
        ts = [threading.Thread(target=writer, args=(w, tags[w])) for w in range(len(readers))]
        [t.start() for t in ts]
        [t.join() for t in ts]
        round_statuses = [a.status if a else None for a in answers]
        statuses += round_statuses
        for (member, value), tag, a in zip(CONFLICT_MEMBERS, tags, answers):
            if a and a.status == 200:
                expected[member] = value(tag)
                if a.json()["data"].get(member) != expected[member]:
                    wrong_answers.append((rounds, member, a.body))
            elif a and a.status == 409 and not (is_json(a) and "errors" in a.json() and error_code(a) == "conflict"):
                bad_409.append(a.body)
        after = req(servers[rounds % len(servers)], "GET", path, KEY_A1).json()["data"]
        got = {m: after.get(m) for m, _ in CONFLICT_MEMBERS}
        if got != expected:
            lost.append((rounds, round_statuses, {m: (expected[m], got[m]) for m in got if got[m] != expected[m]}))
            expected = got
    for rd in readers:
        rd.sock.close()
    conflicts = statuses.count(409)
    check(label + ": concurrent partial updates are each answered 200 or 409",
          set(statuses) <= {200, 409} and 200 in statuses, sorted(set(statuses), key=str))
    check(label + ": no lost update: after each round (%d) the record holds every change answered 200, "
          "and none answered 409" % rounds, not lost, lost[:3])
    check(label + ": a 200 answers the record with its own change", not wrong_answers, wrong_answers[:2])
    check(label + ": a 409 is an errors document with code conflict", not bad_409, bad_409[:2])
    check(label + ": the writers overlapped (some patch answered 409)", conflicts >= 1, (conflicts, rounds))
    print("%s: %d of %d concurrent updates answered 409, in %d rounds" % (label, conflicts, len(statuses), rounds))


def test_access_log(srv):
    lines = [l for l in srv.log_lines if l.strip()]
    parsed = []
    for l in lines:
        try:
            parsed.append(json.loads(l))
        except ValueError:
            pass
    check("access log: every line is JSON", len(parsed) == len(lines) and lines, len(lines))
    check("access log: ts, remote, request_id, method, path, status, us and nothing else",
          all(set(p) == {"ts", "remote", "request_id", "method", "path", "status", "us"} for p in parsed), parsed[:2])
    check("access log: ts is RFC 3339 UTC with milliseconds, remote an address without a port",
          all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", p["ts"]) and re.fullmatch(r"127(\.\d+){3}", p["remote"])
              for p in parsed), parsed[:1])
    check("access log: paths without the query", all("?" not in p["path"] for p in parsed))
    check("access log: the statuses seen", {200, 201, 204, 400, 401, 404, 413, 415, 422} <= {p["status"] for p in parsed},
          sorted({p["status"] for p in parsed}))


def test_no_secret_leaks(servers):
    SECRETS.update([KEY_A1, KEY_A2, KEY_B])
    logs = "".join(s.log() for s in servers)
    leaked = [x for x in SECRETS if x in logs]
    check("no secret, token or API key in the access log (%d checked)" % len(SECRETS), not leaked, leaked[:2])
    leaked = [x for x in SECRETS if any(x in b for b in ERROR_BODIES)]
    check("no secret, token or API key in an error body (%d bodies)" % len(ERROR_BODIES), not leaked, leaked[:2])


def test_json_headers():
    """http.md: every JSON answer has Content-Type: application/json and, but
    the metadata, Cache-Control: no-store; over every answer remember() saw."""
    check("every JSON answer: Content-Type application/json, Cache-Control no-store but the metadata",
          not BAD_JSON_HEADERS, BAD_JSON_HEADERS[:2])


def shared_only(backend):
    if backend == "postgres":
        server = harness.postgres_server_or_skip()
        db = harness.fresh_database(server, "serve")
        test_two_servers("postgres:%s dbname=%s" % (server, db), "two servers on one PostgreSQL database")
        harness.drop_database(server, db)
    else:
        test_two_servers("sqlite:" + os.path.join(scratch_dir(), "c.db"), "two servers on one SQLite file")


def main():
    if args.shared:
        shared_only(args.shared)
        sys.exit(harness.finish())
    test_ready_line_and_generated_key()
    test_bad_options()
    srv = Server(BIN, "--api-keys", KEYS, "--threads", "2")
    test_every_route_needs_a_key(srv)
    test_register_and_manage(srv)
    test_records(srv)
    test_framing(srv)
    test_many_connections(srv)
    test_conflicts([srv], "one server, memory store")
    check("the main server exits 0", srv.stop() == 0)
    test_access_log(srv)
    gen = Server(BIN, "--api-keys", KEYS)
    gen.ready["api_key"] = KEY_A1
    test_paging_and_query(gen)
    gen.stop()
    test_metadata()
    test_timeouts()
    test_cap_on_connections()
    test_sigterm_drains()
    test_kill9_sqlite()
    failing = test_store_failure_logged()
    shared_only("sqlite")
    test_no_secret_leaks([srv, gen, failing])
    test_json_headers()
    sys.exit(harness.finish())


main()
