#!/usr/bin/env python3
"""The regenerated corpus is byte-identical to the pinned one (benchmarks/corpus/SHA256SUMS)."""
import hashlib
import os
import sys

corpus_dir, sums = sys.argv[1], sys.argv[2]
passed = failed = 0
for line in open(sums, encoding="utf-8"):
    digest, name = line.split()
    with open(os.path.join(corpus_dir, name), "rb") as f:
        got = hashlib.sha256(f.read()).hexdigest()
    if got == digest:
        passed += 1
    else:
        failed += 1
        print("MISMATCH %s: %s != %s" % (name, got, digest))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
