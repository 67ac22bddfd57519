#!/usr/bin/env python3
"""End-to-end tests of `oauthreg validate` (DESIGN.md: exit 0/1/2, one JSON line).

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
from concurrent.futures import ThreadPoolExecutor

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--corpus", required=True)
args = ap.parse_args()
BIN = args.oauthreg

passed = 0
failures = []


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, detail))


def run(argv, stdin=b""):
    p = subprocess.run([BIN] + argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout, p.stderr


def one_json_line(out):
    text = out.decode("utf-8")
    if not text.endswith("\n") or text.count("\n") != 1:
        return None
    return json.loads(text)


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
                failures.append("corpus line %d (%s): want %s/%d got %s/%d"
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
pkj = b'{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://a.example/jwks"}'
rc, out, _ = run(["validate"], pkj)
check("default profile refuses private_key_jwt", rc == 1 and one_json_line(out)["error"] == "invalid_client_metadata")
rc, out, _ = run(["validate", "--profile", "rfc7591"], pkj)
check("rfc7591 profile accepts private_key_jwt", rc == 0, out)

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

for f in failures:
    print("FAIL:", f)
print("%d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
