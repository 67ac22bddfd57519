"""Runs `oauthreg serve` for the tests: waits for its ready line (never a fixed
sleep), talks HTTP/1.1 to it over real sockets, and stops it."""
import atexit
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time


def raise_open_files_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Server:
    """One `oauthreg serve` process. Its standard error (the access log) is
    collected by a thread into self.log_lines."""

    def __init__(self, binary, *extra):
        self.p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0"] + list(extra),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("oauthreg serve did not start: " + self.p.stderr.read().decode("utf-8", "replace"))
        self.ready_line = line.decode("utf-8")
        self.ready = json.loads(line)
        self.url = self.ready["listening"]
        host_port = self.url[len("http://"):]
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.log_lines = []
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()

    def _read_log(self):
        for line in self.p.stderr:
            self.log_lines.append(line.decode("utf-8", "replace"))

    def connect(self, timeout=30):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return rc

    def log(self):
        return "".join(self.log_lines)


def request_bytes(method, path, key=None, body=None, content_type="application/json", extra=()):
    head = ["%s %s HTTP/1.1" % (method, path), "Host: test"]
    if key is not None:
        head.append("Authorization: Bearer %s" % key)
    if body is not None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        if content_type:
            head.append("Content-Type: %s" % content_type)
        head.append("Content-Length: %d" % len(body))
    head.extend(extra)
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lowercase name -> value
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Reader:
    """Reads HTTP/1.1 responses off one socket (Content-Length framed)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def read(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return Response(status, headers, body)

    def closed(self):
        """True when the peer closed the connection with nothing more to read."""
        try:
            if self.buf:
                return False
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False


def call(server, method, path, key=None, body=None, content_type="application/json", extra=()):
    """One request on a fresh connection."""
    with server.connect() as s:
        s.sendall(request_bytes(method, path, key, body, content_type, extra))
        return Reader(s).read()


def error_code(resp):
    """The error code of either envelope (RFC 7591's `error`, the record API's
    `errors[0].code`), or None when the answer is not an error document."""
    try:
        doc = resp.json()
        return doc["error"] if "error" in doc else doc["errors"][0]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def wait_until(predicate, timeout):
    """Polls predicate() every 10 ms until it holds or timeout seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


_scratch = tempfile.mkdtemp(prefix="oauthreg-serve-test-")
atexit.register(shutil.rmtree, _scratch, True)


def scratch_dir():
    """A fresh directory, removed when the test ends."""
    return tempfile.mkdtemp(dir=_scratch)


def write_json(obj):
    """A JSON file (API keys, say), removed when the test ends."""
    f = tempfile.NamedTemporaryFile("w", suffix=".json", dir=_scratch, delete=False)
    json.dump(obj, f)
    f.close()
    return f.name


def connect_from(srv, source="127.0.0.1", timeout=10):
    """A connection to `srv` from the loopback address `source` (127.0.0.0/8 is all ours)."""
    s = socket.create_connection((srv.host, srv.port), timeout=timeout, source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class LockedSqlite:
    """Another process's write lock on a SQLite file (BEGIN IMMEDIATE), held
    for the `with` block."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.db.execute("ROLLBACK")
        self.db.close()


def haproxy_config(port, servers):
    """The HAProxy configuration of docs/scaling.md: round robin over
    `servers` ((name, "host:port") pairs) with health checks on /healthz every
    200 ms, a short connect timeout, retries and redispatch; X-Served-By names
    the server that answered. tests/cli/test_serve_failover.py and
    benchmarks/scaling.sh run it."""
    lines = ["    server %s %s" % s for s in servers]
    return """global
    maxconn 1000
defaults
    mode http
    timeout connect 200ms
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    retries 3
    option redispatch 1
frontend oauthreg
    bind 127.0.0.1:%d
    default_backend oauthreg
backend oauthreg
    balance roundrobin
    option httpchk GET /healthz
    option forwardfor
    http-request set-header X-Request-Id %%[uuid()] unless { req.hdr(X-Request-Id) -m found }
    http-response set-header X-Served-By %%[srv_name]
    default-server check inter 200ms fall 1 rise 2
%s
""" % (port, "\n".join(lines))
