#!/usr/bin/env bash
# Installs what oauthreg needs to build, test and benchmark on Debian 12.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    g++ clang cmake ninja-build meson pkg-config make python3 doxygen \
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
    libcrypto++-dev catch2 libbenchmark-dev libclang-rt-14-dev \
    libsqlite3-dev libpq-dev postgresql postgresql-client \
    curl wrk libssl-dev openssl prometheus systemd haproxy
