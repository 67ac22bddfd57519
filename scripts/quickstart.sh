#!/usr/bin/env bash
# Quick start: install the dependencies, build and install oauthreg into
# ./build/prefix, then run an example session through `oauthreg run` on the
# default in-memory store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PWD/build/prefix"
cmake --build build -j2 --target oauthreg_cli
cmake --install build >/dev/null
echo "== ./build/prefix/bin/oauthreg run < examples/session.jsonl" >&2
./build/prefix/bin/oauthreg run < examples/session.jsonl
