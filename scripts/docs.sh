#!/usr/bin/env bash
# Builds the API reference (Doxygen over include/oauthreg, the README as its
# main page) into build/docs/html/index.html. Any Doxygen warning (an
# undocumented public name, a missing @param or @return) fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/docs
mkdir -p build/docs
doxygen Doxyfile
echo "API reference: build/docs/html/index.html"
