#!/usr/bin/env python3
"""End-to-end tests of `oauthreg run` (docs/cli.md): JSON Lines in, one flushed
JSON line out per operation, in order; malformed lines answered and the
session goes on.
"""
import argparse
import json
import os
import subprocess
import sys

import harness
from harness import check

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--corpus", required=True)
ap.add_argument("--store", default="memory")
args = ap.parse_args()
BIN = args.oauthreg
STORE = ["--store", args.store]

def batch(lines, extra=()):
    data = "".join(json.dumps(l) + "\n" if not isinstance(l, str) else l + "\n" for l in lines)
    p = subprocess.run([BIN, "run"] + STORE + list(extra), input=data.encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    out = p.stdout.decode("utf-8").splitlines()
    return p.returncode, [json.loads(x) for x in out]


# --- the corpus: each request registered in one session, labelled verdicts ---------
with open(os.path.join(args.corpus, "corpus.jsonl"), encoding="utf-8") as f:
    bodies = [line.rstrip("\n") for line in f]
with open(os.path.join(args.corpus, "corpus_labels.jsonl"), encoding="utf-8") as f:
    labels = [json.loads(line) for line in f]
ops = ['{"op":"register","org_id":"corpus","request":%s}' % b for b in bodies]
rc, answers = batch(ops)
check("corpus: exit 0", rc == 0, str(rc))
check("corpus: one answer per line", len(answers) == len(bodies), "%d answers" % len(answers))
bad = 0
ids = set()
for i, (a, lab) in enumerate(zip(answers, labels)):
    got = "valid" if a.get("ok") else a.get("error")
    if got != lab["expect"]:
        bad += 1
        if bad <= 10:
            harness.failures.append("corpus line %d (%s): want %s got %s (%s)"
                            % (i, lab["case"], lab["expect"], got, a.get("error_description")))
    if a.get("ok"):
        ids.add(a["response"]["client_id"])
check("corpus: all 10,000 verdicts", bad == 0, "%d mismatches" % bad)
check("corpus: 7,500 distinct client ids", len(ids) == 7500, str(len(ids)))

# --- every operation in one session ---------------------------------------------------
web = {"redirect_uris": ["https://app.example.com/cb", "http://127.0.0.1/cb"], "client_name": "Web",
       "client_name#fr": "Toile", "scope": "read write", "logo_uri": "https://app.example.com/logo.png"}
rc, a = batch([{"op": "register", "id": "r1", "org_id": "org-1", "user_id": "user-1", "request": web}])
reg = a[0]
check("register: ok", reg.get("ok") is True, str(reg))
check("register: correlation id echoed", reg.get("id") == "r1")
resp, client = reg["response"], reg["client"]
cid, secret = resp["client_id"], resp["client_secret"]
check("register: response is RFC 7591 3.2.1",
      resp["client_secret_expires_at"] == 0 and isinstance(resp["client_id_issued_at"], int)
      and resp["grant_types"] == ["authorization_code"] and resp["response_types"] == ["code"]
      and resp["token_endpoint_auth_method"] == "client_secret_basic" and resp["client_name#fr"] == "Toile")
check("register: client is the oauth_client record",
      client["record_type"] == "oauth_client" and client["client_id"] == cid and client["name"] == "Web"
      and client["org_id"] == "org-1" and client["user_id"] == "user-1" and client["client_type"] == "confidential"
      and client["require_pkce"] is True and client["allowed_scopes"] == ["read", "write"]
      and client["allowed_grant_types"] == ["authorization_code"] and client["client_secret"] == secret
      and client["created_at"].endswith("Z") and "tos_uri" not in client
      and None not in client.values(), str(client))

session = [
    {"op": "get", "client_id": cid},
    {"op": "authenticate", "client_id": cid, "client_secret": secret},
    {"op": "authenticate", "client_id": cid, "client_secret": secret + "x"},
    {"op": "authenticate", "client_id": "00000000-0000-4000-8000-000000000000", "client_secret": secret},
    {"op": "match_redirect_uri", "client_id": cid, "redirect_uri": "http://127.0.0.1:61000/cb"},
    {"op": "match_redirect_uri", "client_id": cid, "redirect_uri": "https://app.example.com/cb/"},
    {"op": "list", "org_id": "org-1"},
    {"op": "update", "client_id": cid, "request": {"redirect_uris": ["https://new.example.com/cb"]}},
    {"op": "update", "client_id": cid, "request": {"redirect_uris": ["https://new.example.com/cb#x"]}},
    {"op": "get", "client_id": cid},
    {"op": "rotate_secret", "client_id": cid},
    {"op": "authenticate", "client_id": cid, "client_secret": secret},
    "this is not JSON",
    '{"op": "get"}',
    '{"op": "teleport"}',
    '[1, 2]',
    {"op": "delete", "client_id": cid},
    {"op": "get", "client_id": cid},
    {"op": "delete", "client_id": cid},
]
lines = ['{"op":"register","org_id":"org-1","user_id":"user-1","request":%s}' % json.dumps(web)] + session
rc, a = batch(lines)
check("batch: one answer per line, malformed ones included", len(a) == len(lines), "%d answers" % len(a))
check("batch: the malformed line is answered in its place", a[13].get("error") == "invalid_request", str(a[13]))

# Drive the session interactively: write one line, read its answer, then the next.
p = subprocess.Popen([BIN, "run"] + STORE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def ask(line):
    p.stdin.write(((json.dumps(line) if not isinstance(line, str) else line) + "\n").encode("utf-8"))
    p.stdin.flush()
    return json.loads(p.stdout.readline())


first = ask({"op": "register", "org_id": "org-1", "user_id": "user-1", "request": web})
check("interactive: answer arrives before the next line is sent", first.get("ok") is True)
# The session above was written with the first process's id and secret; this
# process made its own, so put them in (the unknown-client line keeps its id).
old_cid, old_secret = cid, secret
cid, secret = first["response"]["client_id"], first["response"]["client_secret"]
answers = []
for s in session:
    if isinstance(s, dict):
        if s.get("client_id") == old_cid:
            s["client_id"] = cid
        if "client_secret" in s:
            s["client_secret"] = s["client_secret"].replace(old_secret, secret)
    answers.append(ask(s))
p.stdin.close()
check("interactive: exit 0 at end of input", p.wait(timeout=30) == 0)

g, auth_ok, auth_bad, auth_unknown, m_loop, m_bad, lst, upd, upd_bad, g2, rot, auth_old, \
    junk, noid, unknown_op, notobj, dele, g3, dele2 = answers
check("get: record without secret", g["ok"] and g["client"]["client_id"] == cid
      and "client_secret" not in g["client"] and secret not in json.dumps(g))
check("authenticate: right secret", auth_ok == {"ok": True}, str(auth_ok))
check("authenticate: wrong secret is invalid_client", auth_bad["ok"] is False and auth_bad["error"] == "invalid_client")
check("authenticate: unknown client, same answer",
      auth_unknown["error"] == "invalid_client"
      and auth_unknown["error_description"] == auth_bad["error_description"])
check("match: loopback any port (RFC 8252 7.3)", m_loop == {"ok": True, "match": True}, str(m_loop))
check("match: exact otherwise", m_bad == {"ok": True, "match": False}, str(m_bad))
check("list: the owner's client, no secret", lst["ok"] and [c["client_id"] for c in lst["clients"]] == [cid]
      and lst["next_cursor"] is None and secret not in json.dumps(lst))
check("update: full replacement (RFC 7592 2.2)", upd["ok"] and "name" not in upd["client"]
      and upd["client"]["redirect_uris"] == ["https://new.example.com/cb"] and "client_secret" not in upd["response"]
      and upd["client"]["created_at"] == first["client"]["created_at"], str(upd))
check("update: invalid update refused", upd_bad["ok"] is False and upd_bad["error"] == "invalid_redirect_uri")
check("update: invalid update left the record as it was",
      g2["client"]["redirect_uris"] == ["https://new.example.com/cb"])
check("rotate_secret: a new secret", rot["ok"] and rot["client_secret"] != secret
      and rot["client_secret_expires_at"] == 0)
check("rotate_secret: the old one fails", auth_old["error"] == "invalid_client")
check("malformed line: invalid_request, session goes on", junk["ok"] is False and junk["error"] == "invalid_request")
check("missing client_id: invalid_request", noid["error"] == "invalid_request")
check("unknown op: invalid_request", unknown_op["error"] == "invalid_request")
check("not an object: invalid_request", notobj["error"] == "invalid_request")
check("delete: ok", dele == {"ok": True}, str(dele))
check("get after delete: not_found", g3["error"] == "not_found")
check("delete twice: not_found", dele2["error"] == "not_found")

# --- listing pages cover the owner's clients exactly once ------------------------------
regs = [{"op": "register", "org_id": "org-p", "user_id": "u%d" % (i % 2),
         "request": {"grant_types": ["client_credentials"]}} for i in range(23)]
rc, a = batch(regs)
want = sorted(x["response"]["client_id"] for x in a)
p = subprocess.Popen([BIN, "run"] + STORE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
made = [ask(r)["response"]["client_id"] for r in regs]
seen, cursor = [], None
for _ in range(50):
    q = {"op": "list", "org_id": "org-p", "limit": 5}
    if cursor:
        q["cursor"] = cursor
    page = ask(q)
    seen += [c["client_id"] for c in page["clients"]]
    cursor = page["next_cursor"]
    if cursor is None:
        break
bad_limit = ask({"op": "list", "limit": 0})
bad_cursor = ask({"op": "list", "cursor": "%%%"})
p.stdin.close()
p.wait(timeout=30)
check("list: pages of 5 cover 23 clients once", sorted(seen) == sorted(made) and len(seen) == 23)
check("list: limit 0 is invalid_request", bad_limit["error"] == "invalid_request")
check("list: foreign cursor is invalid_request", bad_cursor["error"] == "invalid_request")

# --- public clients, duplicates, management URIs ---------------------------------------
rc, a = batch([
    {"op": "register", "request": {"redirect_uris": ["com.example.app:/cb"], "token_endpoint_auth_method": "none"}},
    '{"op":"register","request":{"grant_types":["client_credentials"],"scope":"a","scope":"b"}}',
    '{"op":"register","op":"get"}',
])
check("public client: no secret, public, PKCE", a[0]["ok"] and "client_secret" not in a[0]["response"]
      and a[0]["client"]["client_type"] == "public" and a[0]["client"]["require_pkce"] is True, str(a[0]))
check("duplicate member in request: invalid_client_metadata", a[1]["error"] == "invalid_client_metadata")
check("duplicate member in the operation: invalid_request", a[2]["error"] == "invalid_request")
rc, a = batch([{"op": "register", "request": web}], ["--registration-base-uri", "https://as.example/register"])
check("RFC 7592: registration access token and client URI", a[0]["ok"]
      and len(a[0]["response"]["registration_access_token"]) == 43
      and a[0]["response"]["registration_client_uri"] == "https://as.example/register/" + a[0]["response"]["client_id"])

# --- issue 14: hostile lines get answers, the session goes on, answers are JSON ---------
def raw_batch(data, extra=()):
    """Sends bytes; returns exit code, each output line parsed (None if not JSON), stderr."""
    p = subprocess.run([BIN, "run"] + STORE + list(extra), input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    def refuse(constant):  # Python would read Infinity and NaN, which are not JSON
        raise ValueError(constant)

    def parse(line):
        try:
            return json.loads(line, parse_constant=refuse)
        except ValueError:
            return None
    return p.returncode, [parse(x) for x in p.stdout.decode("utf-8").splitlines()], p.stderr


LIST = b'{"op":"list","org_id":"nobody"}\n'
rc, a, _ = raw_batch(b'{"op":"list","limit":9223372036854775808}\n{"op":"list","limit":1e400}\n'
                     b'{"op":"list","limit":-1}\n{"op":"list","limit":2.5}\n' + LIST)
check("run: limit beyond int64 is answered and the session goes on",
      rc == 0 and len(a) == 5 and a[0] == {"ok": True, "clients": [], "next_cursor": None}
      and [x.get("error") for x in a[1:4]] == ["invalid_request"] * 3 and a[4].get("ok") is True, "rc=%d %r" % (rc, a))

rc, a, _ = raw_batch(b'{"op":"get","client_id":"x","id":1e400}\n{"op":"get","client_id":"x","id":[1,-1E999]}\n' + LIST)
check("run: an id holding 1e400 is refused, never echoed as Infinity",
      rc == 0 and len(a) == 3 and None not in a and a[0].get("error") == "invalid_request" and "id" not in a[0]
      and "out of range" in str(a[0].get("error_description")) and a[1].get("error") == "invalid_request", "%r" % a)

# The correlation id comes back whenever it is itself readable, even when
# another member of the envelope is bad (before or after it).
rc, a, _ = raw_batch(b'{"id":"k1","op":"get","client_id":"x","x":1e400}\n'
                     b'{"op":"get","client_id":"x","x":1e400,"id":"k2"}\n'
                     b'{"id":"k3","op":"get","op":"list"}\n'
                     b'{"id":"k4","op":"list","meta":{"a":1,"a":2}}\n'
                     b'{"id":"k5","id":"k6","op":"list"}\n'
                     b'{"id":"k7","op":"list","limit":"x"}\n' + LIST)
check("run: the id is echoed when another member of the envelope is bad",
      rc == 0 and len(a) == 7 and None not in a and [x.get("ok") for x in a[:6]] == [False] * 6
      and [x.get("id") for x in a[:6]] == ["k1", "k2", "k3", "k4", None, "k7"]
      and "duplicate" in a[2].get("error_description", "") and "duplicate" in a[4].get("error_description", ""),
      "%r" % a)

unknown_1e400 = b'{"op":"register","request":{"redirect_uris":["https://a.example/cb"],"1e400":1e400}}\n'
rc, a, _ = raw_batch(unknown_1e400)
rc_v, out_v, _ = harness.run(BIN, ["validate"], b'{"redirect_uris":["https://a.example/cb"],"1e400":1e400}')
check("run: an unknown member holding 1e400 is accepted as validate accepts it",
      rc_v == 0 and len(a) == 1 and a[0] is not None and a[0].get("ok") is True, "%r %r" % (out_v, a))

rc, a, _ = raw_batch(b'{"op":"register","request":{"redirect_uris":["https://a.example/cb"],'
                     b'"jwks":{"keys":[],"n":1e400}}}\n' + LIST)
check("run: a jwks holding 1e400 is invalid_client_metadata naming jwks",
      len(a) == 2 and a[0].get("error") == "invalid_client_metadata"
      and str(a[0].get("error_description")).startswith("jwks:"),
      "%r" % a)

# The request's own bytes are what the body limit and validation see: 72 KiB of
# \u0061 escapes (12 KiB of text once unescaped) is too large for both commands.
escaped = '{"redirect_uris":["https://a.example/cb"],"note":"%s"}' % ("\\u0061" * 12288)
rc_v, out_v, _ = harness.run(BIN, ["validate"], escaped.encode())
rc, a, _ = raw_batch(('{"op":"register","request":%s}\n' % escaped).encode() + LIST)
check("run: 72 KiB of \\u0061 escapes is refused like validate refuses it",
      rc_v == 1 and json.loads(out_v)["error_description"].startswith("request body too large")
      and len(a) == 2 and a[0].get("error") == "invalid_client_metadata"
      and a[0].get("error_description") == json.loads(out_v)["error_description"], "%r %r" % (out_v, a))

# Too deep inside the request: one code wherever the depth is hit.
def deep_request(levels):
    return ('{"op":"register","request":{"redirect_uris":["https://a.example/cb"],"x":%s1%s}}\n'
            % ("[" * (levels - 1), "]" * (levels - 1))).encode()
rc, a, _ = raw_batch(deep_request(12) + deep_request(40) + deep_request(5000) + LIST)
check("run: too deep inside request is invalid_client_metadata at 12, 40 and 5000 levels",
      len(a) == 4 and [x.get("error") for x in a[:3]] == ["invalid_client_metadata"] * 3
      and len({x.get("error_description") for x in a[:3]}) == 1 and a[3].get("ok") is True, "%r" % a)

# The request is found however the line writes it.
rc, a, _ = raw_batch(b'{"x":"}\\"{[","op":"register", "\\u0072equest" :\t{"redirect_uris":["https://a.example/cb"]} ,'
                     b'"id":[{"k":"]"}]}\n')
check("run: a request member named with escapes, after tricky strings, is read as sent",
      len(a) == 1 and a[0].get("ok") is True and a[0].get("id") == [{"k": "]"}], "%r" % a)

# A 50 MB line is refused as it is read: memory stays bounded, the next line is
# served. The peak is read from /proc (VmHWM) while the process still runs: its
# rusage would count the memory of the Python process it was forked from.
p = subprocess.Popen([BIN, "run"] + STORE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
p.stdin.write(b'{"op":"register","request":{"client_name":"')
chunk = b"a" * (1 << 20)
for _ in range(50):
    p.stdin.write(chunk)
p.stdin.write(b'"}}\n' + LIST)
p.stdin.flush()
lines = [json.loads(p.stdout.readline()) for _ in range(2)]
with open("/proc/%d/status" % p.pid) as f:
    peak_kib = int(next(l for l in f if l.startswith("VmHWM:")).split()[1])
p.stdin.close()
p.wait(timeout=60)
check("run: a 50 MB line is answered invalid_request and the next line served",
      p.returncode == 0 and len(lines) == 2 and lines[0].get("error") == "invalid_request"
      and "line longer than" in str(lines[0].get("error_description")) and lines[1].get("ok") is True, "%r" % lines)
check("run: a 50 MB line does not blow up memory (peak RSS under 100 MB)", peak_kib < 100 * 1024,
      "%d KiB" % peak_kib)

# --- the record-shaped API: create, patch, page (docs/http.md: POST/PUT/GET /oauth_clients) ----
app = {"name": "Dash", "allowed_scopes": ["read", "write"], "client_type": "confidential",
       "allowed_grant_types": ["authorization_code", "refresh_token"],
       "redirect_uris": ["https://dash.example.com/cb"]}
p = subprocess.Popen([BIN, "run"] + STORE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
a = [ask(x) for x in [
    {"op": "create", "org_id": "org-r", "user_id": "u1", "request": app},
    {"op": "create", "org_id": "org-r", "request": dict(app, redirect_uris=["https://dash.example.com/cb#x"])},
    {"op": "create", "org_id": "org-r", "request": dict(app, colour="blue")},
    {"op": "create", "org_id": "org-r", "request": {"name": "Pub", "allowed_scopes": [], "client_type": "public",
                                                     "allowed_grant_types": ["client_credentials"]}},
]]
made, bad_uri, unknown, pub_cc = a
check("create: the oauth_client record with its secret", made.get("ok") is True
      and made["client"]["client_type"] == "confidential" and len(made["client"]["client_secret"]) == 43
      and made["client"]["allowed_scopes"] == ["read", "write"] and made["client"]["org_id"] == "org-r"
      and made["client"]["require_pkce"] is True and None not in made["client"].values(), str(made))
check("create: a redirect URI rule names redirect_uris[0]", bad_uri["error"] == "invalid_redirect_uri"
      and bad_uri["error_description"].startswith("redirect_uris[0]:"), str(bad_uri))
check("create: an unknown member is refused by name", unknown["error"] == "invalid_request"
      and unknown["error_description"].startswith("colour:"), str(unknown))
check("create: a public client cannot use client_credentials (RFC 6749 4.4)",
      pub_cc["error"] == "invalid_client_metadata" and pub_cc["error_description"].startswith("client_type:"))
rid = made["client"]["client_id"]
a = [ask(x) for x in [
    {"op": "patch", "client_id": rid, "org_id": "org-r", "request": {"name": "Dash 2", "logo_uri": None}},
    {"op": "patch", "client_id": rid, "org_id": "org-r", "request": {"redirect_uris": None}},
    {"op": "patch", "client_id": rid, "org_id": "org-other", "request": {"name": "Stolen"}},
    {"op": "patch", "client_id": rid, "org_id": "org-r", "expected_version": 1, "request": {"name": "Late"}},
    {"op": "page", "org_id": "org-r", "name_contains": "DASH"},
    {"op": "page", "org_id": "org-r", "page_number": 2},
    {"op": "page", "org_id": "org-r", "page_size": 251},
    {"op": "page", "org_id": "org-other"},
    {"op": "page", "org_id": "org-r", "page_number": 9007199254740991},
    {"op": "page", "org_id": "org-r", "page_number": 9007199254740992},
]]
p.stdin.close()
p.wait(timeout=30)
pat, drop, foreign, stale, pg, past, big, other, last, huge = a
check("patch: merged, created_at stays", pat.get("ok") is True and pat["client"]["name"] == "Dash 2"
      and pat["client"]["redirect_uris"] == ["https://dash.example.com/cb"]
      and pat["client"]["created_at"] == made["client"]["created_at"] and "client_secret" not in pat["client"],
      str(pat))
check("patch: dropping redirect URIs under authorization_code is refused (RFC 6749 3.1.2.2)",
      drop["error"] == "invalid_redirect_uri", str(drop))
check("patch: another organization's client is not_found", foreign["error"] == "not_found", str(foreign))
check("patch: a stale expected_version is a conflict", stale["error"] == "conflict", str(stale))
check("page: name contains, ASCII case-insensitive", pg.get("ok") is True
      and [c["client_id"] for c in pg["page"]["data"]] == [rid]
      and pg["page"]["meta"] == {"page_number": 1, "page_size": 20, "total_pages": 1, "total_results": 1}, str(pg))
check("page: past the end is empty with true totals", past["page"]["data"] == []
      and past["page"]["meta"]["total_results"] == 1, str(past))
check("page: a page size over 250 is invalid_request", big["error"] == "invalid_request", str(big))
check("page: page number 2^53 - 1 is past the end, echoed exactly", last.get("ok") is True
      and last["page"]["meta"]["page_number"] == 9007199254740991 and last["page"]["data"] == [], str(last))
check("page: page number 2^53 is invalid_request, as over HTTP (RFC 7493 2.2)",
      huge.get("error") == "invalid_request" and "9007199254740991" in huge.get("error_description", ""), str(huge))
check("page: another organization sees nothing", other["page"]["data"] == []
      and other["page"]["meta"]["total_results"] == 0, str(other))

p = subprocess.Popen([BIN, "run"] + STORE + ["--registration-base-uri", "https://as.example/register"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
made = ask({"op": "register", "request": web})["response"]
upd = ask({"op": "update", "client_id": made["client_id"], "request": web})
check("RFC 7592 3: the update answer carries a fresh registration access token and the client URI", upd["ok"]
      and len(upd["response"].get("registration_access_token", "")) == 43
      and upd["response"]["registration_access_token"] != made["registration_access_token"]
      and upd["response"]["registration_client_uri"] == made["registration_client_uri"], str(upd))
p.stdin.close()
p.wait()

# --- usage errors ------------------------------------------------------------------------
p = subprocess.run([BIN, "run", "--store", "nosuch:thing"], input=b"", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
check("unknown store: exit 2", p.returncode == 2 and p.stderr and not p.stdout)

sys.exit(harness.finish())
