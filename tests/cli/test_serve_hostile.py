#!/usr/bin/env python3
"""`oauthreg serve` against a hostile peer, over real sockets (docs/http.md,
"Framing" and "Limits"). Each test names the defect it guards and the RFC
section where one applies:

- no sequence of bytes makes one connection hold more than the header limit
  plus the body limit plus a small constant (endless chunk-size lines, chunk
  extensions, trailers);
- one address cannot take every connection slot (--max-connections-per-peer),
  and at the global cap the longest-idle connection goes first;
- a store that hangs (SQLite locked by another process) stops neither the
  routes that need no store, nor SIGTERM;
- transfer codings cannot smuggle a request (RFC 9112 6.1, 6.3);
- trailer fields never stand in for head fields (RFC 9110 6.5.1);
- a log reader that goes away does not kill the server (SIGPIPE);
- HEAD is answered without content (RFC 9110 9.3.2), Host is checked and the
  absolute form accepted (RFC 9112 3.2), 204 has no Content-Length (RFC 9110
  8.6);
- the command line: --help, values and files refused without the usage text.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import check
from serve import (LockedSqlite, Reader, Server, connect_from, raise_open_files_limit, request_bytes, scratch_dir,
                   write_json)

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
args = ap.parse_args()
BIN = args.oauthreg
raise_open_files_limit()

KEY = "key-org-a-user-1-" + "x" * 26
KEYS = write_json({"keys": [{"key": KEY, "org_id": "org-a", "user_id": "user-1"}]})
SEED = {"redirect_uris": ["https://example.com/callback"], "client_name": "hostile",
        "grant_types": ["authorization_code"], "scope": "admin"}
METADATA = "/.well-known/oauth-authorization-server"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def exchange(srv, raw, source="127.0.0.1", timeout=10, see_close=True):
    """Sends `raw` on a fresh connection; the first answer, and (with
    `see_close`) whether the server closed the connection within 2 s after it."""
    with connect_from(srv, source, timeout) as s:
        s.sendall(raw)
        rd = Reader(s)
        r = rd.read()
        if not see_close:
            return r, None
        s.settimeout(2)
        return r, rd.closed()


def flood(s, prefix, filler, limit):
    """Sends `prefix`, then `filler` over and over, until the server stops
    reading (closes or resets) or `limit` bytes went out; the bytes sent."""
    sent = 0
    try:
        s.sendall(prefix)
        while sent < limit:
            s.sendall(filler)
            sent += len(filler)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    return sent


def test_bounded_buffering():
    """Item 1: Beast bounds the head, not chunk-size lines, extensions or
    trailers; the connection's buffer is bounded now (header limit + 8 KiB)."""
    srv = Server(BIN, "--api-keys", KEYS)
    before = rss_kib(srv.p.pid)
    chunked = b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    for label, prefix in [("an endless chunk extension", chunked + b"2;x="),
                          ("an endless chunk-size line", chunked + b"2"),
                          ("an endless trailer", chunked + b"0\r\nX-T: ")]:
        with connect_from(srv, "127.0.0.1", timeout=10) as s:
            filler = b"0" * 65536 if label.endswith("line") else b"a" * 65536
            sent = flood(s, prefix, filler, 64 * 1024 * 1024)
            peak = rss_kib(srv.p.pid)
            # What the kernel's socket buffers take is not the server's: a few MiB on loopback.
            check("%s: the server stops reading (before 64 MiB)" % label, sent < 64 * 1024 * 1024, sent)
            check("%s: resident memory grows by less than 16 MiB" % label, peak - before < 16 * 1024,
                  (before, peak))
    # A trailer section is held to the header limit, like the head.
    body = json.dumps(SEED).encode()
    big_trailer = b"".join(b"X-T%d: %s\r\n" % (i, b"a" * 1000) for i in range(20))
    raw = (b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY.encode() +
           b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
           b"%x\r\n%s\r\n0\r\n" % (len(body), body) + big_trailer + b"\r\n")
    r, closed = exchange(srv, raw)
    check("a 20 KB trailer section: 431 and closed", r.status == 431 and closed, (r.status, r.body))
    r, _ = exchange(srv, request_bytes("GET", METADATA))
    check("after the floods the server answers", r.status == 200, r.status)
    srv.stop()


def silent_sockets(srv, source, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect_from(srv, source, timeout=5))
        except OSError:
            break
    return socks


def closed_by_server(socks, wait=5.0):
    """How many of `socks` the server closed within `wait` seconds."""
    deadline = time.monotonic() + wait
    n = 0
    for s in socks:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if s.recv(1) == b"":
                n += 1
        except ConnectionResetError:
            n += 1
        except socket.timeout:
            pass
    return n


def test_connection_share():
    """Item 2: one address holds at most --max-connections-per-peer (64 by
    default); at the global cap the longest-idle connection is closed."""
    srv = Server(BIN, "--api-keys", KEYS, "--max-connections", "300")
    flooders = silent_sockets(srv, "127.0.0.3", 400)
    r, took = timed(srv, request_bytes("GET", METADATA), source="127.0.0.2")
    check("400 silent sockets from one address: another address is answered", r.status == 200, r.status)
    check("... at once (under 2 s)", took < 2, took)
    shut = closed_by_server(flooders)
    check("the flooding address keeps its 64 connections, the rest are closed", shut == len(flooders) - 64,
          (len(flooders), shut))
    for s in flooders:
        s.close()
    srv.stop()
    # At the global cap, idle connections go first, oldest first.
    srv = Server(BIN, "--api-keys", KEYS, "--max-connections", "20", "--max-connections-per-peer", "0")
    idle = silent_sockets(srv, "127.0.0.3", 20)
    time.sleep(0.2)  # all 20 accepted and waiting for a request
    r, _ = exchange(srv, request_bytes("GET", METADATA), source="127.0.0.2")
    check("at the global cap a new connection is served (an idle one goes)", r.status == 200, r.status)
    check("... the oldest idle connection was the one closed", closed_by_server(idle[:1], 2) == 1)
    for s in idle:
        s.close()
    srv.stop()


def timed(srv, raw, source="127.0.0.1"):
    t0 = time.monotonic()
    r, _ = exchange(srv, raw, source, timeout=30, see_close=False)
    return r, time.monotonic() - t0


def test_slow_store():
    """Item 3: engine calls run off the I/O threads; what needs no store is
    answered while the store hangs; the queue is bounded (503); SIGTERM ends
    the process within --drain-timeout-ms."""
    path = os.path.join(scratch_dir(), "locked.db")
    srv = Server(BIN, "--api-keys", KEYS, "--store", "sqlite:" + path, "--threads", "2", "--store-threads", "2",
                 "--store-queue", "2")
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED))
    check("a first registration (the schema exists)", r.status == 201, r.status)
    stuck = []
    with LockedSqlite(path):
        def register():
            try:
                stuck.append(timed(srv, request_bytes("POST", "/oauth/register", KEY, SEED)))
            except OSError as e:
                stuck.append((None, repr(e)))
        writers = [threading.Thread(target=register) for _ in range(6)]
        for w in writers:
            w.start()
        time.sleep(0.5)  # the writers wait on the lock
        for label, raw, want in [("metadata", request_bytes("GET", METADATA), 200),
                                 ("no key", request_bytes("POST", "/oauth/register", None, SEED), 401),
                                 ("unknown route", request_bytes("GET", "/nowhere", KEY), 404)]:
            r, took = timed(srv, raw, source="127.0.0.2")
            check("store locked: %s answered (%d) within 1 s" % (label, want), r.status == want and took < 1,
                  (r.status, took))
        for w in writers:
            w.join(60)
    statuses = sorted(r.status for r, _ in stuck if r is not None)
    check("a full store queue answers 503 at once", 503 in statuses, statuses)
    busy = [r for r, _ in stuck if r is not None and r.status == 503]
    check("503 carries Retry-After and the RFC 7591 error shape",
          all(r.headers.get("retry-after") == "1" and r.json().get("error") == "temporarily_unavailable"
              for r in busy), [r.body for r in busy])
    srv.stop()
    # SIGTERM with a registration stuck on the store: bounded by --drain-timeout-ms.
    srv = Server(BIN, "--api-keys", KEYS, "--store", "sqlite:" + path, "--drain-timeout-ms", "1500")
    with LockedSqlite(path):
        s = connect_from(srv, "127.0.0.1", timeout=30)
        s.sendall(request_bytes("POST", "/oauth/register", KEY, SEED))
        time.sleep(0.3)
        t0 = time.monotonic()
        srv.p.send_signal(signal.SIGTERM)
        try:
            srv.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        took = time.monotonic() - t0
        s.close()
    check("SIGTERM with the store hung: the process ends within the drain timeout (+2.5 s of slack)",
          srv.p.poll() is not None and took < 4, took)
    srv.stop(signal.SIGKILL)


def test_readiness_probes_share_one_store_thread():
    """/readyz while the store hangs: every probe is 503 within about a second,
    and probes never take the store threads from the requests that work (one
    probe at a time, shared)."""
    path = os.path.join(scratch_dir(), "probed.db")
    srv = Server(BIN, "--api-keys", KEYS, "--store", "sqlite:" + path, "--store-threads", "2")
    exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED), see_close=False)
    results = []
    with LockedSqlite(path):
        def probe(i):
            results.append(timed(srv, request_bytes("GET", "/readyz"), source="127.0.3.%d" % (1 + i % 200)))
        probes = [threading.Thread(target=probe, args=(i,)) for i in range(40)]
        for t in probes:
            t.start()
        for t in probes:
            t.join(30)
        r, took = timed(srv, request_bytes("GET", "/oauth_clients", KEY), source="127.0.0.9")
    check("40 probes while the store hangs: each 503 within 2.5 s",
          len(results) == 40 and all(r.status == 503 and t < 2.5 for r, t in results),
          sorted((r.status, round(t, 2)) for r, t in results)[-3:])
    check("... and a read the lock allows is answered at once after them (under 1 s)", r.status == 200 and took < 1,
          (r.status, took))
    srv.stop()


def test_tls_and_metrics_bounds():
    """A ClientHello declaring more than 16 KiB is refused before OpenSSL
    buffers it (up to 128 KiB a connection otherwise); the metrics listener
    holds at most 16 scrapes and never delays SIGTERM."""
    d = scratch_dir()
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", cert], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv = Server(BIN, "--api-keys", KEYS, "--tls-cert", cert, "--tls-key", key, "--metrics-listen", "127.0.0.1:0")
    host, port = srv.ready["listening"][len("https://"):].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(bytes([22, 3, 1, 0x40, 0x00, 1, 0x01, 0xFF, 0xB8]) + b"\0" * 1000)  # 131,000 bytes declared
        t0 = time.monotonic()
        closed = s.recv(10) == b""
    check("RFC 8446 4: a ClientHello declaring 131,000 bytes is closed at once",
          closed and time.monotonic() - t0 < 2, time.monotonic() - t0)
    mhost, mport = srv.ready["metrics"][len("http://"):].split("/")[0].rsplit(":", 1)
    scrapers = [socket.create_connection((mhost, int(mport)), timeout=5) for _ in range(30)]
    shut = closed_by_server(scrapers, 2)
    check("the metrics listener holds at most 16 connections (the rest closed at once)", shut >= 14, shut)
    t0 = time.monotonic()
    rc = srv.stop()
    check("SIGTERM with silent metrics connections open: exit 0 at once", rc == 0 and time.monotonic() - t0 < 2,
          (rc, time.monotonic() - t0))
    for s in scrapers:
        s.close()


def test_access_log_counts_from_first_byte():
    """Item 3: `us` runs from the first byte read to the last byte written."""
    srv = Server(BIN, "--api-keys", KEYS)
    raw = request_bytes("POST", "/oauth/register", KEY, SEED)
    with connect_from(srv, "127.0.0.1") as s:
        s.sendall(raw[:10])
        time.sleep(0.6)
        s.sendall(raw[10:])
        Reader(s).read()
    srv.stop()
    lines = [json.loads(l) for l in srv.log_lines if "\"method\"" in l]
    # The server sees the first byte a little after it was sent: 0.5 s of the
    # 0.6 s is the bound (counted from the whole head, it would be about 1 ms).
    check("access log: a request whose bytes took 0.6 s logs us >= 500000",
          lines and lines[-1]["us"] >= 500000, lines[-1:])


def test_transfer_codings():
    """Item 4: RFC 9112 6.3 (chunked not final: 400, close), 6.1 (a coding we
    cannot decode: 501; Transfer-Encoding in HTTP/1.0: faulty framing)."""
    srv = Server(BIN, "--api-keys", KEYS)
    inner = request_bytes("POST", "/oauth/register", KEY, SEED)
    cases = [("xchunked", 400), ("gzip", 400), ("identity", 400), ("chunked, gzip", 400), ("chunked;x=1", 400),
             ("", 400), ("gzip, chunked", 501), ("chunked, chunked", 400)]
    for coding, want in cases:
        raw = (b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY.encode() +
               b"\r\nContent-Type: application/json\r\nTransfer-Encoding: " + coding.encode() + b"\r\n\r\n" +
               b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner))
        r, closed = exchange(srv, raw)
        check("RFC 9112 6.3: Transfer-Encoding %r: %d, then close (the embedded request never runs)" % (coding, want),
              r.status == want and closed, (r.status, r.body, closed))
    body = json.dumps(SEED).encode()
    raw = (b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY.encode() +
           b"\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body) +
           body)
    r, closed = exchange(srv, raw)
    check("RFC 9112 6.3: Transfer-Encoding and Content-Length: 400, close", r.status == 400 and closed, r.status)
    raw = (b"POST /oauth/register HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\nAuthorization: Bearer " +
           KEY.encode() + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
           b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    r, closed = exchange(srv, raw)
    check("RFC 9112 6.1: chunked in HTTP/1.0: 400, close", r.status == 400 and closed, (r.status, closed))
    srv.stop()


def chunked_request(head_fields, trailer_fields, body):
    return (b"POST /oauth/register HTTP/1.1\r\nHost: t\r\n" + b"".join(f + b"\r\n" for f in head_fields) +
            b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n" % (len(body), body) +
            b"".join(f + b"\r\n" for f in trailer_fields) + b"\r\n")


def test_trailers_never_merged():
    """Item 5: RFC 9110 6.5.1: a trailer field is never merged into the head."""
    srv = Server(BIN, "--api-keys", KEYS)
    body = json.dumps(SEED).encode()
    auth = b"Authorization: Bearer " + KEY.encode()
    json_type = b"Content-Type: application/json"
    r, _ = exchange(srv, chunked_request([json_type], [auth], body))
    check("RFC 9110 6.5.1: Authorization only in the trailer: 401", r.status == 401, r.status)
    r, _ = exchange(srv, chunked_request([auth], [json_type], body))
    check("RFC 9110 6.5.1: Content-Type only in the trailer: 415", r.status == 415, r.status)
    r, _ = exchange(srv, chunked_request([auth, json_type], [b"Authorization: Bearer other"], body))
    check("RFC 9110 6.5.1: a second Authorization in the trailer is not a repeat (201)", r.status == 201, r.status)
    srv.stop()


def test_sigpipe():
    """Item 6: standard error a pipe whose reader went away."""
    rfd, wfd = os.pipe()
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--api-keys", KEYS], stdout=subprocess.PIPE,
                         stderr=wfd)
    os.close(wfd)
    ready = json.loads(p.stdout.readline())
    os.close(rfd)  # the log reader leaves
    host, port = ready["listening"][len("http://"):].rsplit(":", 1)
    statuses = []
    for _ in range(3):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(request_bytes("GET", METADATA))
            statuses.append(Reader(s).read().status)
    check("SIGPIPE: the server outlives its log reader", statuses == [200] * 3 and p.poll() is None,
          (statuses, p.poll()))
    p.send_signal(signal.SIGTERM)
    check("... and still stops cleanly", p.wait(timeout=30) == 0)


def test_stalled_log_reader():
    """A log reader that stops reading (a paused pager) must not stop requests:
    lines go through a bounded queue and are dropped when it is full."""
    rfd, wfd = os.pipe()  # never read: the pipe fills after some 64 KiB of log
    p = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--api-keys", KEYS], stdout=subprocess.PIPE,
                         stderr=wfd)
    os.close(wfd)
    ready = json.loads(p.stdout.readline())
    host, port = ready["listening"][len("http://"):].rsplit(":", 1)
    answered = 0
    with socket.create_connection((host, int(port)), timeout=10) as s:
        rd = Reader(s)
        try:
            for _ in range(40):  # 40 x 100 pipelined requests: far more log than a pipe holds
                s.sendall(request_bytes("GET", METADATA) * 100)
                for _ in range(100):
                    answered += rd.read().status == 200
        except (socket.timeout, EOFError):
            pass
    check("a log reader that stops reading stops no request (4,000 answered)", answered == 4000, answered)
    p.kill()
    p.wait()
    os.close(rfd)


def test_idle_connection_holds_no_answer():
    """An answer is freed once written: idle connections that each read a page
    of about 6 MB do not hold 6 MB each."""
    srv = Server(BIN, "--api-keys", KEYS)
    uris = ["https://example.com/%s/%d" % ("a" * 1900, i) for i in range(30)]
    for i in range(100):
        r, _ = exchange(srv, request_bytes("POST", "/oauth_clients", KEY, {
            "name": "big %d" % i, "allowed_scopes": ["admin"], "client_type": "public",
            "allowed_grant_types": ["authorization_code"], "redirect_uris": uris}), see_close=False)
        if r.status != 201:
            check("a client with 30 long redirect URIs is created", False, (r.status, r.body[:200]))
            break
    idle = []

    def idle_after_page():
        s = connect_from(srv, "127.0.0.1", timeout=30)
        s.sendall(request_bytes("GET", "/oauth_clients?page%5Bsize%5D=100", KEY))
        idle.append(s)
        return Reader(s).read()

    for _ in range(10):  # the allocator's arenas reach their size
        idle_after_page()
    before = rss_kib(srv.p.pid)
    for _ in range(20):
        r = idle_after_page()
    grown = rss_kib(srv.p.pid) - before
    check("20 more idle connections after a %d-byte page each: under 40 MiB more resident" % len(r.body),
          r.status == 200 and len(r.body) > 5000000 and grown < 40 * 1024, (r.status, len(r.body), grown))
    for s in idle:
        s.close()
    srv.stop()


def read_head(s):
    """The status line and headers of one answer, reading nothing beyond them."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        c = s.recv(1)
        if not c:
            raise EOFError("connection closed")
        data += c
    lines = data.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if l)}
    return int(lines[0].split(" ")[1]), headers


def test_head_host_and_204():
    """Items 7 and 9."""
    srv = Server(BIN, "--api-keys", KEYS)
    r, _ = exchange(srv, request_bytes("POST", "/oauth/register", KEY, SEED))
    reg = r.json()
    token, cid = reg["registration_access_token"], reg["client_id"]
    for path, key in [(METADATA, None), ("/oauth_clients", KEY), ("/oauth_clients/" + cid, KEY)]:
        get, _ = exchange(srv, request_bytes("GET", path, key))
        with connect_from(srv, "127.0.0.1") as s:
            s.sendall(request_bytes("HEAD", path, key) + request_bytes("GET", METADATA))
            status, headers = read_head(s)
            after = Reader(s).read()  # the next bytes are the next answer, not a body
        check("RFC 9110 9.3.2: HEAD %s: GET's status and length, no content" % path,
              status == get.status and headers.get("content-length") == str(len(get.body)) and after.status == 200,
              (status, headers, after.status))
    with connect_from(srv, "127.0.0.1") as s:
        s.sendall(request_bytes("HEAD", "/oauth/register/" + cid, token))
        status, headers = read_head(s)
    check("HEAD on RFC 7592 read: 200, no length (the token is not rotated unseen)",
          status == 200 and "content-length" not in headers, (status, headers))
    r, _ = exchange(srv, request_bytes("GET", "/oauth/register/" + cid, token))
    check("... and the token still reads the client", r.status == 200, r.status)
    # RFC 9112 3.2: Host
    for label, raw in [("no Host", b"GET %s HTTP/1.1\r\n\r\n" % METADATA.encode()),
                       ("two Hosts", b"GET %s HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" % METADATA.encode()),
                       ("a bad Host", b"GET %s HTTP/1.1\r\nHost: a b\r\n\r\n" % METADATA.encode()),
                       ("a Host that is no authority", b"GET %s HTTP/1.1\r\nHost: [\r\n\r\n" % METADATA.encode()),
                       ("an absolute target with userinfo",
                        b"GET http://u:p@t%s HTTP/1.1\r\nHost: t\r\n\r\n" % METADATA.encode()),
                       ("an absolute ftp target", b"GET ftp://user:pw@t/x HTTP/1.1\r\nHost: t\r\n\r\n")]:
        r, closed = exchange(srv, raw)
        check("RFC 9112 3.2: %s: 400" % label, r.status == 400 and closed, r.status)
    time.sleep(0.2)  # the log thread writes behind the answers
    check("a refused target's userinfo never reaches the log", "user:pw" not in srv.log() and "u:p@" not in srv.log())
    r, _ = exchange(srv, b"GET %s HTTP/1.0\r\n\r\n" % METADATA.encode())
    check("RFC 9112 3.2: HTTP/1.0 without Host: 200", r.status == 200, r.status)
    r, _ = exchange(srv, b"GET http://t%s HTTP/1.1\r\nHost: t\r\n\r\n" % METADATA.encode())
    check("RFC 9112 3.2.2: an absolute-form target is served", r.status == 200, r.status)
    r, _ = exchange(srv, b"GET HTTP://t:80/oauth_clients?page%%5Bsize%%5D=1 HTTP/1.1\r\nHost: t\r\n"
                    b"Authorization: Bearer %s\r\n\r\n" % KEY.encode())
    check("RFC 9112 3.2.2: absolute form with a port and a query", r.status == 200, (r.status, r.body))
    # RFC 9110 8.6: no Content-Length on 204
    created, _ = exchange(srv, request_bytes("POST", "/oauth_clients", KEY, {
        "name": "n", "allowed_scopes": ["admin"], "client_type": "confidential",
        "allowed_grant_types": ["client_credentials"]}))
    with connect_from(srv, "127.0.0.1") as s:
        s.sendall(request_bytes("DELETE", "/oauth_clients/" + created.json()["data"]["client_id"], KEY))
        status, headers = read_head(s)
    check("RFC 9110 8.6: 204 without Content-Length", status == 204 and "content-length" not in headers,
          (status, headers))
    r, _ = exchange(srv, b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    check("431's title is its own reason phrase",
          r.status == 431 and r.json()["errors"][0]["title"] == "Request Header Fields Too Large", r.body)
    fields = b"".join(b"X-%d: 1\r\n" % i for i in range(101))
    r, _ = exchange(srv, b"GET " + METADATA.encode() + b" HTTP/1.1\r\nHost: t\r\n" + fields + b"\r\n")
    check("101 header fields: 431", r.status == 431, r.status)
    srv.stop()


def test_command_line():
    """Item 11."""
    rc, out, err = harness.run(BIN, ["serve", "--help"])
    text = out.decode()
    flags = ["--listen", "--store", "--api-keys", "--public-url", "--profile", "--trusted-issuers", "--threads",
             "--store-threads", "--store-queue", "--max-connections", "--max-connections-per-peer",
             "--header-limit", "--read-timeout-ms", "--idle-timeout-ms", "--drain-timeout-ms"]
    check("serve --help: exit 0, every flag with its default", rc == 0 and all(f + " " in text for f in flags) and
          text.count("default") >= len(flags) - 1, (rc, [f for f in flags if f + " " not in text]))
    short = write_json({"keys": [{"key": "ab", "org_id": "o"}]})
    for argv, why, needle in [(["--threads", "0"], "a bad --threads", b"--threads takes an integer"),
                              (["--api-keys", "/nonexistent.json"], "an unreadable keys file", b"/nonexistent.json"),
                              (["--api-keys", short], "a 2-byte key", b"at least 16 bytes"),
                              (["--store", "sqlite:/missing/dir/x.db"], "a SQLite file that cannot be opened",
                               b"/missing/dir/x.db")]:
        rc, out, err = harness.run(BIN, ["serve", "--listen", "127.0.0.1:0"] + argv)
        check("%s: exit 2, a message naming it, no usage text" % why,
              rc == 2 and needle in err and b"usage:" not in err and out == b"", (rc, err))
    rc, out, err = harness.run(BIN, ["serve", "--bogus"])
    check("an unknown option still prints the usage", rc == 2 and b"usage:" in err, (rc, err))
    srv = Server(BIN, "--api-keys", KEYS, "--listen", "localhost:0")
    r, _ = exchange(srv, request_bytes("GET", METADATA))
    check("--listen localhost:0 resolves the name", r.status == 200, r.status)
    srv.stop()


def main():
    for test in [test_bounded_buffering, test_connection_share, test_slow_store,
                 test_readiness_probes_share_one_store_thread, test_tls_and_metrics_bounds,
                 test_access_log_counts_from_first_byte, test_transfer_codings, test_trailers_never_merged,
                 test_sigpipe, test_stalled_log_reader, test_idle_connection_holds_no_answer, test_head_host_and_204,
                 test_command_line]:
        try:
            test()
        except Exception as e:  # a server that stops answering fails that test, and the others still run
            check(test.__name__ + " ran to its end", False, repr(e))
    raise SystemExit(harness.finish())


main()
