#!/usr/bin/env bash
# ThreadSanitizer, with clang, over every test case that starts threads (the
# concurrent store, registry, cache and server-side tests). AddressSanitizer
# and UndefinedBehaviorSanitizer run over the whole suite in test-all.sh's
# Meson build.
set -euo pipefail
cd "$(dirname "$0")/.."
# The PostgreSQL tests need a server: run everything under a throwaway one.
if [ -z "${OAUTHREG_UNDER_PG:-}" ]; then
    OAUTHREG_UNDER_PG=1 exec scripts/with-postgres.sh "$0" "$@"
fi
JOBS="${JOBS:-2}"

echo "== TSan (clang)"
CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAUTHREG_BUILD_BENCHMARKS=OFF \
    -DOAUTHREG_BUILD_TOOLS=OFF -DOAUTHREG_BUILD_EXAMPLES=OFF -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer"
# Every case that starts threads is tagged [concurrency]; their files make
# oauthreg_concurrency_tests (tests/CMakeLists.txt), the engine's store
# backends' make oauthreg_backend_tests. A tagged file missing from the list fails here.
for f in $(grep -l '\[concurrency\]' tests/*.cpp tests/*/*.cpp); do
    f=${f#tests/}
    case "$f" in storage/sqlite.cpp | storage/postgres.cpp) continue ;; esac
    if ! sed -n '/^set(OAUTHREG_CONCURRENCY_TEST_SOURCES/,/)/p' tests/CMakeLists.txt | grep -qx "    $f\(.*\)\?"; then
        echo "tests/$f has a [concurrency] case but is not in OAUTHREG_CONCURRENCY_TEST_SOURCES" >&2
        exit 1
    fi
done
cmake --build build-tsan -j"$JOBS" --target oauthreg_concurrency_tests oauthreg_backend_tests
# -w NoTests fails a filter that matches nothing (Catch2 2.13 would exit 0).
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/oauthreg_concurrency_tests "[concurrency]" -w NoTests
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/oauthreg_backend_tests "[concurrency]" -w NoTests
