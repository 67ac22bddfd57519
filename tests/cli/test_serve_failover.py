#!/usr/bin/env python3
"""Failover of `oauthreg serve` behind HAProxy (docs/scaling.md): two
instances on one PostgreSQL database (one keys file), HAProxy in front (round
robin, health checks on GET /healthz, retries and redispatch), registration
load through HAProxy from a few threads over keep-alive connections, then
`kill -9` of one instance mid-load. Checked afterwards:

- every 201 is readable through HAProxy (RFC 7592 read with its
  registration access token), each read answered by the survivor, and the
  secrets of the first and last 50 authenticate (POST /oauth/client_check);
- no 5xx but HAProxy's own 502/503 for the dead backend (an answer of the
  server carries X-Request-Id, and HAProxy adds X-Served-By to each; its own
  error pages have neither);
- the load goes on through the survivor after the kill;
- the client retry policy: a registration whose answer was lost (a reset
  connection, a 502) is sent again and gets a new client; the lost attempt
  may or may not exist (0 or 1 extra client of that name, never more), so
  POST /oauth/register is not idempotent; GET and DELETE of /oauth_clients/{id}
  are (a repeated DELETE answers 404, which the client reads as done). The
  RFC 7592 routes rotate the registration access token, so they are not
  (docs/scaling.md).

On the PostgreSQL server of OAUTHREG_TEST_PG (scripts/with-postgres.sh).
Without it or without haproxy: skipped (exit 77) outside CI, failed under CI.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import harness
from harness import check
from serve import Server, haproxy_config, raise_open_files_limit, scratch_dir, wait_until, write_json

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--haproxy", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
ap.add_argument("--threads", type=int, default=4)
args = ap.parse_args()
BIN = args.oauthreg
raise_open_files_limit()

KEY = "key-org-f-user-1-" + "f" * 26
AS_KEY = "key-authorization-server-" + "s" * 20
KEYS = write_json({"keys": [{"key": KEY, "org_id": "org-f", "user_id": "user-1"},
                            {"key": AS_KEY, "role": "authorization_server"}]})
REGISTER = {"redirect_uris": ["https://example.com/callback"], "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "client_secret_basic"}
BEFORE_KILL = 200, 1.5  # 201s through HAProxy, and seconds, before the kill
AFTER_KILL = 200, 3.0   # and after it, all from the survivor (health checks see the death in 200 ms)


def haproxy_or_skip():
    if os.path.exists(args.haproxy):
        return args.haproxy
    if os.environ.get("CI"):
        print("FAIL: CI must run the failover test (install haproxy: scripts/install-deps.sh)")
        sys.exit(1)
    print("SKIPPED: no haproxy (Debian package haproxy)")
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def from_haproxy(self):
        """HAProxy's own answer (its error page): the server's carry X-Request-Id and HAProxy's X-Served-By."""
        return "x-request-id" not in self.headers and "x-served-by" not in self.headers


class Client:
    """One keep-alive connection to HAProxy (stdlib http.client). A failed
    exchange closes it; the next request opens a new one."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, auth=None, body=None):
        """The answer, or None when the connection failed before one arrived."""
        headers = {}
        if auth:
            headers["Authorization"] = auth
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            answer = Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            if r.will_close:
                self.close()
            return answer
        except (OSError, http.client.HTTPException):
            self.close()
            return None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Load:
    """Threads registering through HAProxy, each name once a success: an
    attempt whose answer is lost (no answer, or HAProxy's 502/503) is retried
    under the same client_name, as a client must. Everything is recorded for
    the main thread to check."""

    def __init__(self, port, threads):
        self.port = port
        self.lock = threading.Lock()
        self.created = []        # (name, client_id, client_secret, registration_access_token, served_by, after_kill)
        self.lost = []           # (name, what): attempts whose answer never came
        self.bad = []            # answers breaking the contract: 5xx of the server, or anything but 201
        self.stop = threading.Event()
        self.killed = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def count(self, after_kill):
        with self.lock:
            return sum(1 for c in self.created if c[5] == after_kill)

    def run(self, i):
        client = Client(self.port)
        n = 0
        while not self.stop.is_set():
            name = "failover-%d-%d" % (i, n)
            n += 1
            for _ in range(20):  # attempts of one registration
                after_kill = self.killed.is_set()
                r = client.request("POST", "/oauth/register", "Bearer " + KEY, dict(REGISTER, client_name=name))
                if r is None:
                    with self.lock:
                        self.lost.append((name, "connection failed"))
                    continue
                if r.status in (502, 503) and r.from_haproxy():
                    with self.lock:
                        self.lost.append((name, "HAProxy %d" % r.status))
                    continue
                with self.lock:
                    if r.status == 201:
                        d = r.json()
                        self.created.append((name, d["client_id"], d["client_secret"],
                                             d["registration_access_token"], r.headers.get("x-served-by"), after_kill))
                    else:
                        self.bad.append((r.status, r.headers.get("x-served-by"), r.body[:200]))
                break
        client.close()


def main():
    server = harness.postgres_server_or_skip()
    haproxy = haproxy_or_skip()
    db = harness.fresh_database(server, "failover")
    store = "postgres:%s dbname=%s" % (server, db)
    a = Server(BIN, "--api-keys", KEYS, "--store", store, "--threads", "1")
    b = Server(BIN, "--api-keys", KEYS, "--store", store, "--threads", "1")
    port = free_port()
    cfg = os.path.join(scratch_dir(), "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(haproxy_config(port, [("a", "127.0.0.1:%d" % a.port), ("b", "127.0.0.1:%d" % b.port)]))
    proxy = subprocess.Popen([haproxy, "-db", "-f", cfg], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        run(a, b, port, server, db)
    finally:
        proxy.send_signal(signal.SIGTERM)
        try:
            out = proxy.communicate(timeout=10)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            proxy.kill()
            out = proxy.communicate()[0].decode("utf-8", "replace")
        check("HAProxy's health check took the dead instance out", "oauthreg/b is DOWN" in out)
        if harness.failures:
            print("haproxy said:\n" + out)
        for s in (a, b):
            s.stop(signal.SIGKILL if s.p.poll() is None and s is b else signal.SIGTERM)
        harness.drop_database(server, db)
    sys.exit(harness.finish())


def run(a, b, port, server, db):
    probe = Client(port)
    # Both backends up (rise 2): round robin answers from each.
    seen = set()

    def both_up():
        r = probe.request("GET", "/healthz")
        if r is not None and r.status == 200:
            seen.add(r.headers.get("x-served-by"))
        return seen >= {"a", "b"}

    check("HAProxy: both instances in rotation", wait_until(both_up, 20), seen)

    load = Load(port, args.threads)
    load.start()
    started = time.monotonic()
    check("load: %d registrations before the kill" % BEFORE_KILL[0],
          wait_until(lambda: load.count(False) >= BEFORE_KILL[0] and time.monotonic() - started >= BEFORE_KILL[1],
                     30), load.count(False))
    with load.lock:
        served_before = {c[4] for c in load.created}
    load.killed.set()
    b.p.send_signal(signal.SIGKILL)  # mid-load: requests in flight on b lose their answer
    b.p.wait(timeout=30)
    killed_at = time.monotonic()
    check("load goes on through the survivor: %d registrations after the kill" % AFTER_KILL[0],
          wait_until(lambda: load.count(True) >= AFTER_KILL[0] and time.monotonic() - killed_at >= AFTER_KILL[1],
                     30), load.count(True))
    load.join()
    elapsed = time.monotonic() - started

    with load.lock:
        created, lost, bad = list(load.created), list(load.lost), list(load.bad)
    print("%d registrations in %.1f s (%d threads), the kill after %.1f s; %d answers lost and retried (%s)" % (
        len(created), elapsed, args.threads, killed_at - started, len(lost),
        ", ".join(sorted({w for _, w in lost})) or "none"))
    check("round robin: both instances registered before the kill", served_before >= {"a", "b"}, served_before)
    check("no answer but 201 (no 5xx from a server; HAProxy's own 502/503 are retried)", not bad, bad[:3])
    late = [c for c in created if c[5] and c[4] != "a"]
    # A request sent just before the kill may be answered by b; one sent after it never is.
    check("after the kill only the survivor answers", len(late) <= args.threads, [c[:2] + c[4:5] for c in late[:3]])

    # Every 201 readable, by the survivor, through HAProxy: RFC 7592 read with
    # the registration access token, and the secret is the one stored (the
    # client check authenticates it).
    reader = Client(port)
    unreadable, wrong_secret, served = [], [], set()

    def read_back(part):
        mine = Client(port)
        for name, cid, secret, token, _, _ in part:
            r = mine.request("GET", "/oauth/register/" + urllib.parse.quote(cid, safe=""), "Bearer " + token)
            with load.lock:
                if r is None or r.status != 200 or r.json().get("client_id") != cid or \
                        r.json().get("client_name") != name:
                    unreadable.append((cid, r and r.status))
                else:
                    served.add(r.headers.get("x-served-by"))
        mine.close()

    readers = [threading.Thread(target=read_back, args=(created[i::args.threads],)) for i in range(args.threads)]
    for t in readers:
        t.start()
    for t in readers:
        t.join(60)
    check("every 201 readable afterwards (%d)" % len(created), created and not unreadable, unreadable[:3])
    check("every read served by the survivor", served == {"a"}, served)
    for _, cid, secret, _, _, _ in created[:50] + created[-50:]:
        r = reader.request("POST", "/oauth/client_check", "Bearer " + AS_KEY,
                           {"client_id": cid, "client_secret": secret})
        if r is None or r.status != 200:
            wrong_secret.append((cid, r and r.status, r and r.body[:120]))
    check("the secret of a 201 authenticates (first and last 50)", not wrong_secret, wrong_secret[:3])

    # The retry policy: a name whose answer was lost has its retried client,
    # plus at most one from the lost attempt (it committed or it did not).
    extra = {0: 0, 1: 0}
    wrong = []
    mine = {c[0]: c[1] for c in created}
    for name in sorted({n for n, _ in lost}):
        r = reader.request("GET", "/oauth_clients?filter[name]=" + urllib.parse.quote(name), "Bearer " + KEY)
        ids = [c["client_id"] for c in r.json()["data"]] if r is not None and r.status == 200 else None
        if ids is None or mine.get(name) not in ids or len(ids) > 1 + sum(1 for n, _ in lost if n == name):
            wrong.append((name, ids))
        else:
            extra[min(len(ids) - 1, 1)] += 1
    print("names whose answer was lost: %d with no extra client (the attempt never committed), "
          "%d with one (it committed; the retry made a second client)" % (extra[0], extra[1]))
    check("a retried registration: its own client, plus 0 or 1 from the lost attempt", not wrong, wrong[:3])

    lost_answer_demo(port, reader)


def lost_answer_demo(port, reader):
    """The answer lost on purpose: a registration sent, the connection closed
    unread, then the same request again. The retry is a new client; the first
    one exists or not depending on whether it reached the database. A DELETE
    retried answers 404: done either way."""
    name = "lost-answer-demo"
    s = socket.create_connection(("127.0.0.1", port))
    body = json.dumps(dict(REGISTER, client_name=name)).encode()
    s.sendall(b"POST /oauth/register HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY.encode() +
              b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    s.close()  # the answer is lost: the client cannot know whether it registered
    r = reader.request("POST", "/oauth/register", "Bearer " + KEY, dict(REGISTER, client_name=name))
    check("lost answer: the retried registration is answered 201", r is not None and r.status == 201,
          r and r.status)
    retried = r.json()["client_id"]

    def listed():
        r = reader.request("GET", "/oauth_clients?filter[name]=" + name, "Bearer " + KEY)
        return [c["client_id"] for c in r.json()["data"]]

    wait_until(lambda: len(listed()) == 2, 3)  # the first attempt, if it commits, does so at once
    ids = listed()
    print("lost answer on purpose: %d clients named %r after the retry (%s)" % (
        len(ids), name, "a duplicate: POST /oauth/register is not idempotent" if len(ids) == 2 else
        "the first attempt never committed"))
    check("lost answer: the retry's client is there, the lost one maybe (1 or 2 clients)",
          retried in ids and len(ids) in (1, 2), ids)
    first = reader.request("DELETE", "/oauth_clients/" + retried, "Bearer " + KEY)
    again = reader.request("DELETE", "/oauth_clients/" + retried, "Bearer " + KEY)
    get = reader.request("GET", "/oauth_clients/" + retried, "Bearer " + KEY)
    check("a retried DELETE: 204 then 404 (done either way); GET then 404",
          (first.status, again.status, get.status) == (204, 404, 404), (first.status, again.status, get.status))


main()
