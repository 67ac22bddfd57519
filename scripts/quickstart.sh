#!/usr/bin/env bash
# Quick start: install the dependencies, build, install to ./build/prefix, and
# run the example session through `oauthreg run` on the in-memory store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PWD/build/prefix"
cmake --build build -j2 --target oauthreg_cli
cmake --install build --component Unspecified >/dev/null 2>&1 || cmake --install build >/dev/null
echo "== oauthreg validate examples/register-request.json" >&2
./build/prefix/bin/oauthreg validate examples/register-request.json
