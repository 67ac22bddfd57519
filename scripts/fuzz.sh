#!/usr/bin/env bash
# Builds the libFuzzer targets with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs each for a bounded time (default 60 s),
# two at a time (JOBS, default 2: one per core).
# Any finding fails the run; its input is left in build-fuzz/findings/ and
# belongs in tests/fuzz/regressions/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOAUTHREG_BUILD_FUZZERS=ON -DOAUTHREG_BUILD_BENCHMARKS=OFF -DOAUTHREG_BUILD_EXAMPLES=OFF
cmake --build build-fuzz -j"${JOBS:-2}" --target fuzz_validate fuzz_run fuzz_redirect fuzz_uri fuzz_http fuzz_document oauthreg_corpus

seeds=build-fuzz/seeds
rm -rf "$seeds" build-fuzz/findings
mkdir -p "$seeds"/validate "$seeds"/run "$seeds"/redirect "$seeds"/uri "$seeds"/http "$seeds"/document build-fuzz/findings
# seeds: every 10th corpus request, the same as register operations, the corpus' redirect URIs
# (as a registered and requested pair for fuzz_redirect, alone for fuzz_uri)
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
            open(os.path.join(out, "uri", "c%05d_%d" % (i, j)), "w").write(u)
PY
cp tests/fuzz/seeds/validate/* "$seeds"/validate/
cp tests/fuzz/seeds/run/* "$seeds"/run/
cp tests/fuzz/seeds/redirect/* "$seeds"/redirect/
cp tests/fuzz/seeds/uri/* "$seeds"/uri/
cp tests/fuzz/seeds/http/* "$seeds"/http/
cp tests/fuzz/seeds/document/* "$seeds"/document/
# huge inputs, made here rather than kept in git: a body just past 64 KiB of
# \u0061 escapes (under 11 KiB once decoded), a run line just past its 80 KiB bound
# followed by a line that must still be served, and one just within it
python3 - "$seeds" <<'PY'
import os, sys
out = sys.argv[1]
esc = '{"redirect_uris":["https://a.example/cb"],"x":"%s"}' % ("\\u0061" * 10923)
open(os.path.join(out, "validate", "huge_escapes"), "w").write(esc)
open(os.path.join(out, "run", "huge_escapes"), "w").write('{"op":"register","request":%s}\n{"op":"list"}' % esc)
pad = lambda n: '{"op":"list","pad":"%s"}' % ("a" * (n - 22))
open(os.path.join(out, "run", "line_past_bound"), "w").write(pad(81921) + '\n{"op":"list","limit":1}')
open(os.path.join(out, "run", "line_at_bound"), "w").write(pad(81920))
PY

# dictionaries (libFuzzer takes one): the shared numbers and escapes, plus the target's members
for t in validate run; do
    cat tests/fuzz/dict/json_numbers.dict tests/fuzz/dict/$t.dict > build-fuzz/$t.dict
done

# One target for `seconds`; its last lines go to build-fuzz/log-$t.
fuzz_one() {
    local t=$1 work="build-fuzz/work-$1"
    rm -rf "$work" && mkdir -p "$work"
    cp -r "$seeds/$t/." "$work/"
    # fuzz_run and fuzz_http keep one registry across inputs on purpose, so
    # libFuzzer's per-input leak check (more mallocs than frees) would rescan
    # the heap on every input; the other targets keep it.
    local leaks=1
    [ "$t" = run ] || [ "$t" = http ] && leaks=0
    # long enough for a body past max_body_bytes and a run line past its bound
    local max_len=70000 dict=()
    [ "$t" = run ] && max_len=90000
    [ -f "build-fuzz/$t.dict" ] && dict=(-dict="build-fuzz/$t.dict")
    UBSAN_OPTIONS=print_stacktrace=1 \
        "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
        -detect_leaks="$leaks" "${dict[@]}" \
        -artifact_prefix=build-fuzz/findings/"$t"- -print_final_stats=1 "$work" > "build-fuzz/log-$t" 2>&1
}

status=0
targets=(validate run redirect uri http document)
jobs_at_once="${JOBS:-2}"
for ((i = 0; i < ${#targets[@]}; i += jobs_at_once)); do
    pids=() names=()
    for t in "${targets[@]:i:jobs_at_once}"; do
        echo "== fuzz_$t for ${seconds}s"
        fuzz_one "$t" &
        pids+=($!) names+=("$t")
    done
    for k in "${!pids[@]}"; do
        wait "${pids[$k]}" || status=1
        echo "-- fuzz_${names[$k]}:" && tail -n 25 "build-fuzz/log-${names[$k]}"
    done
done
if ls build-fuzz/findings/* >/dev/null 2>&1; then
    echo "findings:" && ls -l build-fuzz/findings/
    status=1
fi
exit $status
