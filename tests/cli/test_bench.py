#!/usr/bin/env python3
"""End-to-end tests of `oauthreg bench` (docs/cli.md: one JSON line on standard
output, progress on standard error, each figure the median of N passes).

Checks the shape and the counts, never a speed: the figures only have to be
positive rates, and accepted/rejected must agree with the corpus labels.
"""
import argparse
import json
import math
import os
import sys
import tempfile

import harness
from harness import check, one_json_line

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--corpus", required=True)
args = ap.parse_args()


def run(argv):
    return harness.run(args.oauthreg, ["bench"] + argv)


# A slice of the corpus, so the test takes seconds; its labels say how many are valid.
N = 400
with open(os.path.join(args.corpus, "corpus.jsonl"), "rb") as f:
    lines = f.read().split(b"\n")[:N]
with open(os.path.join(args.corpus, "corpus_labels.jsonl"), encoding="utf-8") as f:
    labels = [json.loads(line) for line in f][:N]
valid = sum(1 for l in labels if l["expect"] == "valid")
check("the slice holds both verdicts", 0 < valid < N, str(valid))

# JSON that is not an object is a rejected request, not a crash of the floors.
lines += [b"[1,2]", b'"https://a.example/cb"', b"null", b"{"]
N = len(lines)
slice_file = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)
slice_file.write(b"\n".join(lines) + b"\n")
slice_file.close()

RATES = ["parse_per_s", "parse_and_uri_per_s", "validate_per_s", "register_per_s", "lookup_per_s",
         "get_per_s", "authenticate_per_s"]


def positive_rate(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


# --- one pass: the members docs/cli.md names, and the counts -------------------------
rc, out, err = run(["--corpus", slice_file.name, "--passes", "1"])
doc = one_json_line(out)
check("exit 0", rc == 0, "rc=%d %r" % (rc, err[-300:]))
check("one JSON object on one line", isinstance(doc, dict), repr(out[:200]))
doc = doc or {}
for name in RATES:
    check("%s is a positive rate" % name, positive_rate(doc.get(name)), repr(doc.get(name)))
check("requests: the corpus lines", doc.get("requests") == N, repr(doc.get("requests")))
check("bytes: the corpus bytes, newlines excluded", doc.get("bytes") == sum(len(l) for l in lines),
      repr(doc.get("bytes")))
check("accepted: the lines labelled valid", doc.get("accepted") == valid, "%r != %d" % (doc.get("accepted"), valid))
check("rejected: the others", doc.get("rejected") == N - valid, repr(doc.get("rejected")))
check("passes echoed", doc.get("passes") == 1, repr(doc.get("passes")))
check("ratios are the medians' quotients",
      positive_rate(doc.get("validate_over_parse"))
      and math.isclose(doc["validate_over_parse"], doc["validate_per_s"] / doc["parse_per_s"], rel_tol=1e-9)
      and math.isclose(doc["validate_over_parse_and_uri"], doc["validate_per_s"] / doc["parse_and_uri_per_s"],
                       rel_tol=1e-9), str(doc))
check("no thread figures without --threads", "threads" not in doc and "validate_per_s_threads" not in doc, str(doc))
check("progress on standard error", b"pass 1/1" in err, repr(err[:200]))

# --- several passes and threads ------------------------------------------------------
rc, out, err = run(["--corpus", slice_file.name, "--passes", "2", "--threads", "2"])
doc = one_json_line(out) or {}
check("--passes 2 --threads 2: exit 0", rc == 0, "rc=%d" % rc)
check("--passes 2: two passes reported", doc.get("passes") == 2 and all(
    ("pass %d/2" % i).encode() in err for i in (1, 2)) and b"pass 3/" not in err, repr(err[:300]))
check("--threads 2: thread figures", doc.get("threads") == 2 and positive_rate(doc.get("validate_per_s_threads"))
      and positive_rate(doc.get("validate_thread_scaling")), str(doc))
check("--threads 2: the counts do not change", doc.get("accepted") == valid and doc.get("rejected") == N - valid,
      str(doc))

# --- usage and I/O errors: exit 2, a message on standard error, nothing on standard output
empty = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)
empty.write(b"\n\n")
empty.close()
for name, argv in {
    "no --corpus": [],
    "missing corpus file": ["--corpus", "/nonexistent/corpus.jsonl"],
    "empty corpus": ["--corpus", empty.name],
    "--passes 0": ["--corpus", slice_file.name, "--passes", "0"],
    "--passes not a number": ["--corpus", slice_file.name, "--passes", "many"],
    "--threads 0": ["--corpus", slice_file.name, "--threads", "0"],
    "a stray argument": ["--corpus", slice_file.name, "extra"],
}.items():
    rc, out, err = run(argv)
    check("usage (%s): exit 2" % name, rc == 2, "rc=%d" % rc)
    check("usage (%s): message on stderr, nothing on stdout" % name, err and not out, "%r %r" % (out, err))

os.unlink(slice_file.name)
os.unlink(empty.name)
sys.exit(harness.finish())
