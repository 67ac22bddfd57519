#!/usr/bin/env python3
"""Figures of issue 27 for one build of oauthreg, before and after: resident
memory under a chunk-extension flood (two sockets, 8 s), a request's latency
from another address while one address holds 10,100 silent sockets, the
metadata latency while another process holds the SQLite file locked, and
how long SIGTERM takes with a registration stuck on that lock. Measured, never
asserted (the tests in tests/cli/test_serve_hostile.py assert the rules).

    python3 benchmarks/serve_hostile.py build/tools/oauthreg
"""
import json, os, socket, sqlite3, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli"))
from serve import Reader, request_bytes, raise_open_files_limit
raise_open_files_limit()
BIN = sys.argv[1]
META = "/.well-known/oauth-authorization-server"

def start(*extra):
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0"] + list(extra), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    r = json.loads(p.stdout.readline())
    host, port = r["listening"][7:].rsplit(":", 1)
    return p, (host, int(port)), r["api_key"]

def rss(p):
    for l in open("/proc/%d/status" % p.pid):
        if l.startswith("VmRSS"): return int(l.split()[1]) // 1024

def timed(addr, raw, src="127.0.0.2", to=30):
    t0 = time.monotonic()
    try:
        with socket.create_connection(addr, timeout=to, source_address=(src, 0)) as s:
            s.sendall(raw); st = Reader(s).read().status
    except Exception as e:
        st = repr(e)[:40]
    return st, round((time.monotonic() - t0) * 1000, 1)

# 1. memory under the chunk-extension flood, 8 s, two sockets
p, addr, key = start()
base = rss(p)
def flood():
    s = socket.create_connection(addr, timeout=2)
    try:
        s.sendall(b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2;x=")
        t0 = time.monotonic(); junk = b"a" * 65536
        while time.monotonic() - t0 < 8: s.sendall(junk)
    except Exception: pass
ts = [threading.Thread(target=flood) for _ in range(2)]
[t.start() for t in ts]; peak = base
for _ in range(80):
    time.sleep(0.1); peak = max(peak, rss(p))
[t.join() for t in ts]
print("item1 rss_mb before=%d peak_during_8s_flood_2_sockets=%d" % (base, peak))
p.kill(); p.wait()

# 2. legit latency during 10,100 silent sockets from one address
p, addr, key = start()
socks = []
for _ in range(10100):
    try: socks.append(socket.create_connection(addr, timeout=5, source_address=("127.0.0.3", 0)))
    except OSError: break
time.sleep(1)
print("item2 silent sockets opened=%d; legit request from another address:" % len(socks), timed(addr, request_bytes("GET", META), to=15))
for s in socks: s.close()
p.kill(); p.wait()

# 3. metadata latency while SQLite is locked by another process and registrations wait
path = os.path.join(tempfile.mkdtemp(), "locked.db")
for f in [path, path + "-wal", path + "-shm"]:
    if os.path.exists(f): os.remove(f)
p, addr, key = start("--store", "sqlite:" + path, "--threads", "2")
seed = {"redirect_uris": ["https://example.com/cb"], "client_name": "x", "grant_types": ["authorization_code"], "scope": "admin"}
print("item3 warm-up registration", timed(addr, request_bytes("POST", "/oauth/register", key, seed)))
db = sqlite3.connect(path, isolation_level=None, timeout=30); db.execute("BEGIN IMMEDIATE")
ws = [threading.Thread(target=lambda: timed(addr, request_bytes("POST", "/oauth/register", key, seed), to=40)) for _ in range(4)]
[w.start() for w in ws]; time.sleep(0.5)
print("item3 store locked: metadata", timed(addr, request_bytes("GET", META), to=40), "no-key 401", timed(addr, request_bytes("POST", "/oauth/register", None, seed), to=40))
db.execute("ROLLBACK"); [w.join() for w in ws]
t0 = time.monotonic(); db.execute("BEGIN IMMEDIATE")
s = socket.create_connection(addr); s.sendall(request_bytes("POST", "/oauth/register", key, seed)); time.sleep(0.3)
p.send_signal(15)
try: rc = p.wait(timeout=40)
except subprocess.TimeoutExpired: rc = None
print("item3 SIGTERM with a registration stuck on the locked store: exited rc=%s after %.1f s" % (rc, time.monotonic() - t0 - 0.3))
db.execute("ROLLBACK")
if p.poll() is None: p.kill()
