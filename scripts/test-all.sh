#!/usr/bin/env bash
# The whole test suite, with both build systems: CMake + g++ (ctest) and
# Meson + clang under ASan and UBSan (meson test), both with warnings as
# errors; the benchmarks run once, briefly, so they cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
# The PostgreSQL tests need a server: run everything under a throwaway one.
if [ -z "${OAUTHREG_UNDER_PG:-}" ]; then
    OAUTHREG_UNDER_PG=1 exec scripts/with-postgres.sh "$0" "$@"
fi
JOBS="${JOBS:-2}"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

echo "== CMake (g++, Release, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOAUTHREG_WERROR=ON -DOAUTHREG_BUILD_BENCHMARKS=ON
cmake --build build -j"$JOBS"
(cd build && ctest --output-on-failure -j"$JOBS") | tee "$logs/ctest.log"

echo "== Benchmarks, briefly (figures: benchmarks/README.md)"
./build/tools/oauthreg bench --corpus build/corpus/corpus.jsonl --passes 1 --threads 2
./build/benchmarks/oauthreg_micro --benchmark_min_time=0.001 \
    --benchmark_filter='^(parse_dom|validate_request|check_redirect_uri|uuid_v4|secret_hash/0|lookup_scaling/1000|authenticate_scaling/1000)$'
./build/benchmarks/oauthreg_stages 1
./build/benchmarks/oauthreg_uri_instructions ours 1
./build/benchmarks/oauthreg_uri_instructions boost 1

# The Meson build checks the Meson files and clang's warnings, and runs the
# whole suite again under clang with AddressSanitizer and UndefinedBehavior-
# Sanitizer: one build for both, where two used to cost CI a third of its
# time. At -O0, since the build is most of this step: clang compiles a test
# file about 3x faster than at -O1 (tests/registry.cpp, 59 s to 20 s).
# Left out: the benchmarks (built and run above), cli_validate's 10,000
# processes (suite bulk) and doc_examples, which only compiles (suite
# compile_only); ctest above ran them. -fno-sanitize=function: clang 14
# cannot emit that check's prologue for some of Asio's SSL stream code
# ("Cannot represent a difference across sections", tools/lib/https_fetch.hpp).
echo "== Meson (clang, ASan + UBSan, -O0, --werror)"
if [ ! -f builddir-asan/build.ninja ]; then
    CXX=clang++ meson setup builddir-asan --werror -Doptimization=0 -Ddebug=true -Dbenchmarks=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dcpp_args="-fno-sanitize=function -fno-sanitize-recover=all -fno-omit-frame-pointer" \
        -Dcpp_link_args="-fno-sanitize=function"
fi
meson compile -C builddir-asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C builddir-asan --print-errorlogs --timeout-multiplier 3 --no-suite bulk --no-suite compile_only \
    | tee "$logs/meson.log"

# One closing line for both suites. CTest counts a skipped test among those
# "passed" and lists it as "(Skipped)" (or "(Disabled)"): here it is a skip.
ctest_total=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "$logs/ctest.log")
ctest_failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p' "$logs/ctest.log")
ctest_skipped=$(grep -c ' (\(Skipped\|Disabled\))$' "$logs/ctest.log" || true)
meson_count() { n=$(sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$logs/meson.log"); echo "${n:-0}"; }
meson_ok=$(meson_count Ok)
meson_failed=$(($(meson_count Fail) + $(meson_count Timeout) + $(meson_count 'Unexpected Pass')))
meson_skipped=$(meson_count Skipped)
echo "oauthreg: $((ctest_total - ctest_failed - ctest_skipped + meson_ok)) passed," \
     "$((ctest_failed + meson_failed)) failed, $((ctest_skipped + meson_skipped)) skipped"
