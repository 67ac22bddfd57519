"""Shared helpers of the end-to-end tool tests: checks that count, and runs of the binary."""
import json
import subprocess

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
