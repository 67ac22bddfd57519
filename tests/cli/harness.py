"""Shared helpers of the end-to-end tool tests: checks that count, and runs of the binary."""
import json
import os
import subprocess
import sys

passed = 0
failures = []


def check(name, cond, detail=""):
    """Counts one named check; a failing one is reported at the end."""
    global passed
    if cond:
        passed += 1
    else:
        failures.append("%s %s" % (name, detail))


def run(binary, argv, stdin=b""):
    p = subprocess.run([binary] + argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def one_json_line(out):
    """The output parsed as JSON if it is exactly one line, else None."""
    text = out.decode("utf-8")
    if not text.endswith("\n") or text.count("\n") != 1:
        return None
    return json.loads(text)


def finish():
    """Prints the failures and the closing 'N passed, N failed' line; returns the exit code."""
    for f in failures:
        print("FAIL:", f)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


def postgres_server_or_skip():
    """OAUTHREG_TEST_PG (scripts/with-postgres.sh sets it); without it, exit 77
    (skipped) outside CI and fail under CI."""
    server = os.environ.get("OAUTHREG_TEST_PG")
    if not server:
        if os.environ.get("CI"):
            print("FAIL: CI must run the PostgreSQL tests (run under scripts/with-postgres.sh)")
            sys.exit(1)
        print("SKIPPED: no PostgreSQL server (set OAUTHREG_TEST_PG or run under scripts/with-postgres.sh)")
        sys.exit(77)
    os.environ["PGOPTIONS"] = "-c client_min_messages=warning"
    return server


def fresh_database(server, name):
    """A new empty database on `server`, named after this process and `name`."""
    db = "oauthreg_cli_%d_%s" % (os.getpid(), name)
    for sql in ("DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db):
        subprocess.run(["psql", server, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       stdout=subprocess.DEVNULL)
    return db


def drop_database(server, db):
    subprocess.run(["psql", server, "-q", "-c", "DROP DATABASE IF EXISTS " + db], stdout=subprocess.DEVNULL)
