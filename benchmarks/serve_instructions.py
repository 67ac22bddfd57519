#!/usr/bin/env python3
"""Instructions per request of `oauthreg serve` under callgrind (stable where
times are not): N and 2N requests on one keep-alive connection (half
registrations, half /healthz, one I/O thread), plain and with the rate limits
set too high to trigger plus the metrics listener; the difference over N is
the per-request count. Needs valgrind.

    python3 benchmarks/serve_instructions.py 2000 [path/to/oauthreg]
"""
import json, os, socket, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli"))
from serve import Reader, request_bytes

BIN = sys.argv[2] if len(sys.argv) > 2 else "build/tools/oauthreg"
WORK = tempfile.mkdtemp()
def run(extra, n):
    out = os.path.join(WORK, "callgrind.%s.out" % ("limited" if extra else "plain"))
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, BIN, "serve", "--listen", "127.0.0.1:0", "--threads", "1",
                          "--max-connections-per-peer", "0"] + extra, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    r = json.loads(p.stdout.readline())
    host, port = r["listening"][7:].rsplit(":", 1)
    key = r["api_key"]
    body = {"redirect_uris": ["https://example.com/callback"], "client_name": "x", "grant_types": ["authorization_code"], "scope": "admin"}
    with socket.create_connection((host, int(port)), timeout=120) as s:
        rd = Reader(s)
        for _ in range(n // 50):
            s.sendall(request_bytes("POST", "/oauth/register", key, body) * 25 + request_bytes("GET", "/healthz") * 25)
            for _ in range(50):
                rd.read()
    p.send_signal(15); p.wait()
    total = 0
    for line in open(out):
        if line.startswith("summary:") or line.startswith("totals:"):
            total = int(line.split()[1])
    return total
n = int(sys.argv[1])
for extra in ([], ["--rate-limit", "1000000", "--register-rate-limit", "1000000", "--metrics-listen", "127.0.0.1:0"]):
    small = run(extra, n)
    big = run(extra, 2 * n)
    print("limits+metrics" if extra else "plain", "instructions per request:", (big - small) / n)
