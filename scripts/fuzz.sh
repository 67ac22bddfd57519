#!/usr/bin/env bash
# Builds the libFuzzer targets with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs each for a bounded time (default 60 s).
# Any finding fails the run; its input is left in build-fuzz/findings/ and
# belongs in tests/fuzz/regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOAUTHREG_BUILD_FUZZERS=ON -DOAUTHREG_BUILD_BENCHMARKS=OFF -DOAUTHREG_BUILD_EXAMPLES=OFF
cmake --build build-fuzz -j"${JOBS:-2}" --target fuzz_validate fuzz_run fuzz_redirect fuzz_http oauthreg_corpus

seeds=build-fuzz/seeds
rm -rf "$seeds" build-fuzz/findings
mkdir -p "$seeds"/validate "$seeds"/run "$seeds"/redirect "$seeds"/http build-fuzz/findings
# seeds: every 10th corpus request, the same as register operations, the corpus' redirect URIs
python3 - "$seeds" build-fuzz/corpus/corpus.jsonl <<'PY'
import json, os, sys
out, corpus = sys.argv[1], sys.argv[2]
for i, line in enumerate(open(corpus, encoding="utf-8")):
    if i % 10:
        continue
    line = line.rstrip("\n")
    open(os.path.join(out, "validate", "c%05d" % i), "w").write(line)
    open(os.path.join(out, "run", "c%05d" % i), "w").write('{"op":"register","request":%s}\n{"op":"list"}' % line)
    d = json.loads(line)
    for j, u in enumerate(d.get("redirect_uris", []) if isinstance(d.get("redirect_uris"), list) else []):
        if isinstance(u, str):
            open(os.path.join(out, "redirect", "c%05d_%d" % (i, j)), "w").write(u + "\n" + u)
PY
cp tests/fuzz/seeds/run/* "$seeds"/run/
cp tests/fuzz/seeds/redirect/* "$seeds"/redirect/
cp tests/fuzz/seeds/http/* "$seeds"/http/

status=0
for t in validate run redirect http; do
    echo "== fuzz_$t for ${seconds}s"
    work="build-fuzz/work-$t"
    rm -rf "$work" && mkdir -p "$work"
    cp -r "$seeds/$t/." "$work/"
    # fuzz_run and fuzz_http keep one registry across inputs on purpose, so
    # libFuzzer's per-input leak check (more mallocs than frees) would rescan
    # the heap on every input; the other targets keep it.
    leaks=1
    [ "$t" = run ] || [ "$t" = http ] && leaks=0
    if ! UBSAN_OPTIONS=print_stacktrace=1 \
        "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
        -detect_leaks="$leaks" \
        -artifact_prefix=build-fuzz/findings/"$t"- -print_final_stats=1 "$work" 2>&1 | tail -n 25; then
        status=1
    fi
done
if ls build-fuzz/findings/* >/dev/null 2>&1; then
    echo "findings:" && ls -l build-fuzz/findings/
    status=1
fi
exit $status
