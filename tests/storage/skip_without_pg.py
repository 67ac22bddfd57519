#!/usr/bin/env python3
"""Runs a PostgreSQL test command, or reports it skipped (exit 77, which Meson
and CTest's SKIP_RETURN_CODE read as skipped) when no server is given: neither
OAUTHREG_TEST_PG nor CI is set. Under CI the command runs anyway and fails
without a server, as CI must run these tests."""
import os
import subprocess
import sys

if not os.environ.get("OAUTHREG_TEST_PG") and not os.environ.get("CI"):
    print("SKIPPED: no PostgreSQL server (set OAUTHREG_TEST_PG or run under scripts/with-postgres.sh)")
    sys.exit(77)
sys.exit(subprocess.call(sys.argv[1:]))
