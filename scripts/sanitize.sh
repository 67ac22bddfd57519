#!/usr/bin/env bash
# The test suite under sanitizers, with clang: AddressSanitizer +
# UndefinedBehaviorSanitizer over everything, ThreadSanitizer over the
# concurrent store and registry tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# The PostgreSQL tests need a server: run everything under a throwaway one.
if [ -z "${OAUTHREG_UNDER_PG:-}" ]; then
    OAUTHREG_UNDER_PG=1 exec scripts/with-postgres.sh "$0" "$@"
fi
JOBS="${JOBS:-2}"
common=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAUTHREG_BUILD_BENCHMARKS=OFF -DOAUTHREG_BUILD_EXAMPLES=ON)

echo "== ASan + UBSan (clang)"
# -fno-sanitize=function: clang 14 cannot emit that check's prologue for some
# of Asio's SSL stream code ("Cannot represent a difference across sections",
# in tools/lib/https_fetch.hpp's users); it checks calls through a function
# pointer of another type, which the rest of UBSan does not replace.
CXX=clang++ cmake -S . -B build-asan "${common[@]}" \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake --build build-asan -j"$JOBS"
# cli_validate starts 10,000 processes, too slow under ASan; cli_run covers the tool in-process.
# The consumer and header checks build outside projects without sanitizers, and doc_examples only
# compiles: test-all.sh runs them.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j"$JOBS" -E '^(cli_validate|consumer_.*|header_check_.*|doc_examples)$')

echo "== TSan (clang)"
CXX=clang++ cmake -S . -B build-tsan "${common[@]}" -DOAUTHREG_BUILD_TOOLS=OFF -DOAUTHREG_BUILD_EXAMPLES=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer"
cmake --build build-tsan -j"$JOBS" --target oauthreg_tests oauthreg_backend_tests
# Every case that starts threads is tagged [concurrency]; -w NoTests fails a
# filter that matches nothing (Catch2 2.13 would exit 0).
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/oauthreg_tests "[concurrency]" -w NoTests
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/oauthreg_backend_tests "[concurrency]" -w NoTests
