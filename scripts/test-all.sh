#!/usr/bin/env bash
# The whole test suite, with both build systems: CMake + g++ (ctest) and
# Meson + clang (meson test), both with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2}"

echo "== CMake (g++, Release, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOAUTHREG_WERROR=ON
cmake --build build -j"$JOBS"
(cd build && ctest --output-on-failure -j"$JOBS")

echo "== Meson (clang, release, --werror)"
if [ ! -f builddir/build.ninja ]; then
    CXX=clang++ meson setup builddir --werror
fi
meson compile -C builddir -j "$JOBS"
meson test -C builddir --print-errorlogs
