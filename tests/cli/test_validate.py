#!/usr/bin/env python3
"""End-to-end tests of `oauthreg validate` (docs/cli.md: exit 0/1/2, one JSON line).

Runs every request of the benchmark corpus through the real binary and checks
the labelled verdict, then the error paths: malformed JSON, wrong types, huge
bodies, deep nesting, invalid UTF-8, usage and I/O errors.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import harness
from harness import check, one_json_line
from concurrent.futures import ThreadPoolExecutor

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--corpus", required=True)
args = ap.parse_args()
BIN = args.oauthreg



def run(argv, stdin=b""):
    return harness.run(BIN, argv, stdin)


# --- the corpus: every verdict through the binary -------------------------------
with open(os.path.join(args.corpus, "corpus.jsonl"), "rb") as f:
    bodies = f.read().split(b"\n")[:-1]
with open(os.path.join(args.corpus, "corpus_labels.jsonl"), encoding="utf-8") as f:
    labels = [json.loads(line) for line in f]
assert len(bodies) == len(labels) == 10000


def verdict(i):
    rc, out, _ = run(["validate"], bodies[i])
    doc = one_json_line(out)
    if doc is None:
        return i, rc, "<not one JSON line>"
    if rc == 0:
        return i, rc, "valid"
    return i, rc, doc.get("error")


corpus_bad = 0
with ThreadPoolExecutor(max_workers=4) as ex:
    for i, rc, got in ex.map(verdict, range(len(bodies))):
        want = labels[i]["expect"]
        want_rc = 0 if want == "valid" else 1
        if got != want or rc != want_rc:
            corpus_bad += 1
            if corpus_bad <= 10:
                harness.failures.append("corpus line %d (%s): want %s/%d got %s/%d"
                                % (i, labels[i]["case"], want, want_rc, got, rc))
check("corpus: all 10,000 verdicts", corpus_bad == 0, "%d mismatches" % corpus_bad)

# --- valid requests: normalized metadata, exit 0 ---------------------------------
rc, out, _ = run(["validate"], b'{"redirect_uris":["https://a.example/cb"],"unknown":1}')
doc = one_json_line(out)
check("valid: exit 0", rc == 0, str(rc))
check("valid: defaults applied", doc and doc.get("grant_types") == ["authorization_code"]
      and doc.get("response_types") == ["code"]
      and doc.get("token_endpoint_auth_method") == "client_secret_basic", str(doc))
check("valid: unknown members dropped", doc and "unknown" not in doc, str(doc))

with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as tmp:
    tmp.write(b'{"grant_types":["client_credentials"],"client_name#fr":"Service"}')
rc, out, _ = run(["validate", tmp.name])
doc = one_json_line(out)
check("FILE argument", rc == 0 and doc.get("client_name#fr") == "Service", "%d %s" % (rc, out))
rc, out, _ = run(["validate", "-"], b'{"grant_types":["client_credentials"]}')
check("'-' reads standard input", rc == 0, str(rc))
os.unlink(tmp.name)

# --- profiles ----------------------------------------------------------------------
cs_jwt = b'{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_jwt"}'
rc, out, _ = run(["validate"], cs_jwt)
check("default profile refuses client_secret_jwt", rc == 1 and one_json_line(out)["error"] == "invalid_client_metadata")
rc, out, _ = run(["validate", "--profile", "rfc7591"], cs_jwt)
check("rfc7591 profile accepts client_secret_jwt", rc == 0, out)
pkj = b'{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://a.example/jwks"}'
rc, out, _ = run(["validate"], pkj)
check("default profile accepts private_key_jwt (RFC 7523 2.2)", rc == 0, out)
tls = b'{"grant_types":["client_credentials"],"token_endpoint_auth_method":"tls_client_auth","tls_client_auth_san_dns":"svc.example.com"}'
rc, out, _ = run(["validate", "--profile", "rfc7591"], tls)
check("RFC 8705 2.1.2: tls_client_auth's certificate subject is echoed",
      rc == 0 and one_json_line(out).get("tls_client_auth_san_dns") == "svc.example.com", out)
rc, out, _ = run(["validate", "--profile", "rfc7591"], tls.replace(b',"tls_client_auth_san_dns":"svc.example.com"', b''))
check("RFC 8705 2.1.2: tls_client_auth without a certificate subject is refused",
      rc == 1 and one_json_line(out)["error"] == "invalid_client_metadata", out)

# --- software statements and --trusted-issuers (RFC 7591 2.3) ------------------------
# RFC 7515 A.3: an ES256 JWS from "joe"; it verifies, and expired in 2011.
A3 = ("eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
A3_KEY = {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
          "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
OTHER_KEY = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
stmt_body = json.dumps({"grant_types": ["client_credentials"], "software_statement": A3}).encode()


def issuers_file(doc):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    f.write(doc if isinstance(doc, str) else json.dumps(doc))
    f.close()
    return f.name


trusted = issuers_file({"issuers": [{"iss": "joe", "jwks": {"keys": [A3_KEY]}}]})
wrong_key = issuers_file({"issuers": [{"iss": "joe", "jwks": {"keys": [OTHER_KEY]}}]})
other_iss = issuers_file({"issuers": [{"iss": "someone", "jwks": {"keys": [A3_KEY]}}]})
for name, argv, want in [
    ("no trusted issuers: unapproved", [], "unapproved_software_statement"),
    ("another issuer trusted: unapproved", ["--trusted-issuers", other_iss], "unapproved_software_statement"),
    ("issuer trusted, signature verifies, expired", ["--trusted-issuers", trusted], "invalid_software_statement"),
    ("issuer trusted, wrong key: bad signature", ["--trusted-issuers", wrong_key], "invalid_software_statement"),
]:
    rc, out, _ = run(["validate"] + argv, stmt_body)
    doc = one_json_line(out)
    check("statement: " + name, rc == 1 and doc and doc["error"] == want, "%d %s" % (rc, out))
rc, out, _ = run(["validate", "--trusted-issuers", trusted], stmt_body)
check("statement: the expiry, not the signature, is what failed", b"not valid at this time" in out, out)
rc, out, _ = run(["validate", "--trusted-issuers", wrong_key], stmt_body)
check("statement: the wrong key fails on the signature", b"signature" in out, out)
rc, out, _ = run(["run", "--trusted-issuers", trusted],
                 json.dumps({"op": "register", "request": json.loads(stmt_body)}).encode() + b"\n")
check("run takes --trusted-issuers too", rc == 0 and one_json_line(out)["error"] == "invalid_software_statement", out)
for name, doc in [("not JSON", "{"), ("no issuers", {}), ("issuer without jwks", {"issuers": [{"iss": "joe"}]}),
                  ("duplicate names", '{"issuers":[],"issuers":[]}')]:
    f = issuers_file(doc)
    rc, out, err = run(["validate", "--trusted-issuers", f], stmt_body)
    check("bad --trusted-issuers file (%s): exit 2" % name, rc == 2 and err and not out, "%d %r" % (rc, err))
    os.unlink(f)
rc, out, err = run(["validate", "--trusted-issuers", "/nonexistent.json"], stmt_body)
check("missing --trusted-issuers file: exit 2", rc == 2)
for f in (trusted, wrong_key, other_iss):
    os.unlink(f)

# The README's worked example, exactly as documented.
examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "software-statement")
rc, out, _ = run(["validate", "--trusted-issuers", os.path.join(examples, "issuers.json"),
                  os.path.join(examples, "request.json")])
doc = one_json_line(out)
with open(os.path.join(examples, "request.json"), encoding="utf-8") as f:
    sent = json.load(f)
check("README statement example: accepted", rc == 0, out)
check("README statement example: claims win over the body", doc and doc["client_name"] == "Example Notes"
      and doc["redirect_uris"] == ["https://notes.example.com/oauth/callback"]
      and doc["token_endpoint_auth_method"] == "client_secret_post"
      and doc["software_statement"] == sent["software_statement"], out)

# --- bad input: exit 1 and a JSON error, never a crash ------------------------------
bad_inputs = {
    "empty body": (b"", "invalid_client_metadata"),
    "malformed JSON": (b'{"redirect_uris": [', "invalid_client_metadata"),
    "not an object": (b'["https://a.example/cb"]', "invalid_client_metadata"),
    "wrong type": (b'{"redirect_uris":"https://a.example/cb"}', "invalid_redirect_uri"),
    "wrong type of scope": (b'{"grant_types":["client_credentials"],"scope":7}', "invalid_client_metadata"),
    "huge body": (b'{"x":"' + b"a" * (10 * 1024 * 1024) + b'"}', "invalid_client_metadata"),
    "deep nesting": (b'{"x":' + b"[" * 100000 + b"]" * 100000 + b"}", "invalid_client_metadata"),
    "invalid UTF-8": (b'{"client_name":"\xff","grant_types":["client_credentials"]}', "invalid_client_metadata"),
    "NUL bytes": (b'{"client_name":"a\x00b"}', "invalid_client_metadata"),
    "binary garbage": (bytes(range(256)) * 4, "invalid_client_metadata"),
    "duplicate member": (b'{"scope":"a","scope":"b"}', "invalid_client_metadata"),
    "fragment": (b'{"redirect_uris":["https://a.example/cb#"]}', "invalid_redirect_uri"),
    "software statement": (b'{"software_statement":"x"}', "invalid_software_statement"),
}
for name, (body, code) in bad_inputs.items():
    rc, out, err = run(["validate"], body)
    doc = one_json_line(out)
    check("bad input (%s): exit 1" % name, rc == 1, "rc=%d stderr=%r" % (rc, err[:200]))
    check("bad input (%s): error %s" % (name, code), doc is not None and doc.get("error") == code
          and isinstance(doc.get("error_description"), str) and doc["error_description"], str(out[:300]))

# --- usage and I/O errors: exit 2, message on standard error ------------------------
for name, argv in {
    "missing file": ["validate", "/nonexistent/request.json"],
    "a directory, not a file": ["validate", os.path.dirname(os.path.abspath(__file__))],
    "unknown profile": ["validate", "--profile", "nope"],
    "profile without value": ["validate", "--profile"],
    "unknown option": ["validate", "--frobnicate"],
    "two files": ["validate", "a.json", "b.json"],
    "unknown command": ["frobnicate"],
    "no command": [],
}.items():
    rc, out, err = run(argv)
    check("usage (%s): exit 2" % name, rc == 2, "rc=%d" % rc)
    check("usage (%s): message on stderr, nothing on stdout" % name, err and not out, "%r %r" % (out, err))

sys.exit(harness.finish())
