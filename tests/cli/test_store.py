#!/usr/bin/env python3
"""End-to-end tests of `oauthreg run --store sqlite:PATH` and
`--store postgres:CONNINFO` (issue: persistent and shared storage):

- a registration made by one process is seen, authenticated, updated and
  deleted by another, while both run;
- two processes registering at once into one store end with every client,
  each exactly once, and no errors;
- (SQLite) a registration that was acknowledged survives `kill -9` of the
  process right after the answer was read;
- a store that cannot be opened is exit 2 with a message, not a crash.

PostgreSQL needs OAUTHREG_TEST_PG (scripts/with-postgres.sh sets it); without
it this test reports itself skipped (exit 77) outside CI and fails under CI.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading

import harness
from harness import check

ap = argparse.ArgumentParser()
ap.add_argument("--oauthreg", required=True)
ap.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
ap.add_argument("--clients", type=int, default=0, help="registrations per process in the two-writer test")
args = ap.parse_args()
BIN = args.oauthreg

WEB = {"redirect_uris": ["https://app.example.com/cb"], "client_name": "Caf\u00e9 \u2615",
       "client_name#ja": "\u30a2\u30d7\u30ea", "scope": "openid profile"}


class Session:
    """One `oauthreg run` process driven a line at a time."""

    def __init__(self, store):
        self.p = subprocess.Popen([BIN, "run", "--store", store], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def send(self, op):
        self.p.stdin.write((json.dumps(op) + "\n").encode("utf-8"))
        self.p.stdin.flush()

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("oauthreg run ended: " + self.p.stderr.read().decode("utf-8", "replace"))
        return json.loads(line)

    def ask(self, op):
        self.send(op)
        return self.read()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=600)
        return self.p.returncode

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=60)


def all_ids(store, **owner):
    """Every client_id a fresh process lists, paging with the cursor."""
    s = Session(store)
    ids, cursor = [], None
    while True:
        q = {"op": "list", "limit": 100, **owner}
        if cursor:
            q["cursor"] = cursor
        a = s.ask(q)
        if not a.get("ok"):
            s.close()
            return None
        ids += [c["client_id"] for c in a["clients"]]
        cursor = a["next_cursor"]
        if cursor is None:
            break
    s.close()
    return ids


def two_processes_share_clients(store):
    a, b = Session(store), Session(store)
    reg = a.ask({"op": "register", "org_id": "org-1", "user_id": "user-1", "request": WEB})
    check("register in process A", reg.get("ok") is True, str(reg))
    cid, secret = reg["response"]["client_id"], reg["response"]["client_secret"]
    got = b.ask({"op": "get", "client_id": cid})
    check("process B sees A's client", got.get("ok") is True and got["client"]["name"] == WEB["client_name"], str(got))
    check("... localized values round-trip", got.get("client", {}).get("client_name#ja") == WEB["client_name#ja"])
    check("... without the secret", "client_secret" not in got.get("client", {}))
    auth = b.ask({"op": "authenticate", "client_id": cid, "client_secret": secret})
    check("process B authenticates A's client", auth.get("ok") is True, str(auth))
    bad = b.ask({"op": "authenticate", "client_id": cid, "client_secret": secret[:-1] + ("B" if secret.endswith("A") else "A")})
    check("... and refuses a wrong secret", bad.get("error") == "invalid_client", str(bad))
    upd = b.ask({"op": "update", "client_id": cid,
                 "request": {"redirect_uris": ["https://app.example.com/cb2"], "client_name": "Renamed"}})
    check("process B updates it", upd.get("ok") is True, str(upd))
    seen = a.ask({"op": "get", "client_id": cid})
    check("process A sees B's update", seen.get("client", {}).get("name") == "Renamed"
          and seen["client"]["redirect_uris"] == ["https://app.example.com/cb2"], str(seen))
    check("... the secret kept across the update",
          a.ask({"op": "authenticate", "client_id": cid, "client_secret": secret}).get("ok") is True)
    rot = a.ask({"op": "rotate_secret", "client_id": cid})
    check("process A rotates the secret", rot.get("ok") is True, str(rot))
    check("process B refuses the old secret at once",
          b.ask({"op": "authenticate", "client_id": cid, "client_secret": secret}).get("error") == "invalid_client")
    check("... and takes the new one",
          b.ask({"op": "authenticate", "client_id": cid, "client_secret": rot.get("client_secret", "")}).get("ok") is True)
    dele = b.ask({"op": "delete", "client_id": cid})
    check("process B deletes it", dele.get("ok") is True, str(dele))
    gone = a.ask({"op": "get", "client_id": cid})
    check("process A no longer finds it", gone.get("error") == "not_found", str(gone))
    check("both sessions end cleanly", a.close() == 0 and b.close() == 0)


def two_writers(store, n):
    """Two processes register n clients each at the same time."""
    results = {}

    def writer(tag):
        s = Session(store)
        ids, errors = [], []
        # Pipelined: a thread writes every line while this one reads the answers.
        ops = [{"op": "register", "org_id": "org-two-writers", "user_id": tag,
                "request": {"redirect_uris": ["https://%s.example.com/cb/%d" % (tag, i)], "client_name": "%s %d" % (tag, i)}}
               for i in range(n)]

        def feed():
            for op in ops:
                s.send(op)
            s.p.stdin.close()
        t = threading.Thread(target=feed)
        t.start()
        for _ in range(n):
            a = s.read()
            if a.get("ok"):
                ids.append(a["response"]["client_id"])
            else:
                errors.append(a)
        t.join()
        s.p.wait(timeout=600)
        results[tag] = (ids, errors, s.p.returncode)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("writer-a", "writer-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = set()
    for tag, (ids, errors, rc) in results.items():
        check("%s: %d registrations, no errors" % (tag, n), len(ids) == n and not errors and rc == 0,
              "%d ok, errors %s" % (len(ids), errors[:2]))
        made |= set(ids)
    check("two writers: %d distinct client ids" % (2 * n), len(made) == 2 * n, str(len(made)))
    listed = all_ids(store, org_id="org-two-writers")
    check("two writers: a third process lists exactly those %d clients" % (2 * n),
          listed is not None and len(listed) == len(set(listed)) == 2 * n and set(listed) == made,
          "listed %s" % (None if listed is None else len(listed)))
    check("two writers: listing is ordered by client_id", listed == sorted(listed or []))


def survives_kill9(store, rounds=3):
    """Acknowledged registrations survive SIGKILL right after the answer."""
    rng = random.Random(7591)
    acked = []
    for r in range(rounds):
        s = Session(store)
        stop_after = rng.randint(20, 120)
        if r == rounds - 1:
            # Last round: keep writes in flight when the kill lands.
            for i in range(stop_after + 50):
                s.send({"op": "register", "request": dict(WEB, client_name="kill %d/%d" % (r, i))})
            for i in range(stop_after):
                a = s.read()
                if a.get("ok"):
                    acked.append((a["response"]["client_id"], a["response"]["client_secret"]))
        else:
            for i in range(stop_after):
                a = s.ask({"op": "register", "request": dict(WEB, client_name="kill %d/%d" % (r, i))})
                if a.get("ok"):
                    acked.append((a["response"]["client_id"], a["response"]["client_secret"]))
        s.kill9()
    check("kill -9: registrations were acknowledged", len(acked) > 60, str(len(acked)))
    s = Session(store)
    lost = [cid for cid, secret in acked
            if not s.ask({"op": "authenticate", "client_id": cid, "client_secret": secret}).get("ok")]
    check("kill -9: no acknowledged registration lost (%d checked)" % len(acked), not lost, "lost %s" % lost[:3])
    check("kill -9: the store still takes writes",
          s.ask({"op": "register", "request": WEB}).get("ok") is True)
    s.close()


def unopenable(store):
    rc, out, err = harness.run(BIN, ["run", "--store", store], b"")
    check("unopenable store %s: exit 2" % store.split(":")[0], rc == 2, "rc=%d" % rc)
    check("... with a message on standard error", b"cannot open store" in err and not out, err.decode()[:200])


def unreadable_row_does_not_end_listing(path):
    """A row main could store (a jwks holding 1e400, written back as Infinity)
    or a row that is not JSON: `list` names it on stderr and serves the rest."""
    import sqlite3
    store = "sqlite:" + path
    s = Session(store)
    ids = [s.ask({"op": "register", "org_id": "o", "request": WEB})["response"]["client_id"] for _ in range(3)]
    s.close()
    db = sqlite3.connect(path)
    with db:
        db.execute("""UPDATE oauth_clients SET record = replace(record, '"client_name"', 'x') WHERE client_id = ?""",
                   (ids[0],))  # a row that is no longer JSON
        db.execute("UPDATE oauth_clients SET record = ? WHERE client_id = ?",
                   (db.execute("SELECT record FROM oauth_clients WHERE client_id = ?", (ids[1],)).fetchone()[0]
                    .replace('"metadata":{', '"metadata":{"jwks":"{\\"keys\\":[],\\"n\\":Infinity}",'), ids[1]))
    db.close()
    p = subprocess.run([BIN, "run", "--store", store], input=b'{"op":"list","org_id":"o"}\n{"op":"get","client_id":"%s"}\n'
                       b'{"op":"list","org_id":"o","limit":1}\n' % ids[1].encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    readable = sorted(set(ids) - set(ids[:2]))
    check("sqlite: an unreadable row does not end a listing or the session",
          p.returncode == 0 and len(out) == 3 and out[0].get("ok") is True
          and [c["client_id"] for c in out[0]["clients"]] == readable, "rc=%d %r" % (p.returncode, out))
    check("sqlite: get of an unreadable row is server_error", len(out) > 1 and out[1].get("error") == "server_error",
          "%r" % out)
    check("sqlite: skipped rows are named on stderr",
          all(i.encode() in p.stderr for i in ids[:2]) and b"jwks" in p.stderr, p.stderr.decode("utf-8", "replace"))


def failure_text_on_stderr(path):
    """A store failure's own text (SQLite's) reaches standard error with a
    prefix; the answer names only the operation; no secret is logged."""
    import sqlite3
    s = Session("sqlite:" + path)
    reg = s.ask({"op": "register", "org_id": "o", "request": WEB})
    secret = reg.get("client", {}).get("client_secret") or reg.get("response", {}).get("client_secret")
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE oauth_clients RENAME TO moved_away")  # the session's statements now fail
    db.commit()
    db.close()
    got = s.ask({"op": "get", "client_id": reg["response"]["client_id"], "id": "g"})
    s.p.stdin.close()
    err = s.p.stderr.read().decode("utf-8", "replace")
    s.p.wait(timeout=60)
    check("sqlite: a store failure answers server_error naming only the operation",
          got.get("error") == "server_error" and got.get("error_description") == "storage failure: find"
          and got.get("id") == "g", "%r" % got)
    check("sqlite: ... and SQLite's own text is on standard error",
          "oauthreg: store: find: no such table: oauth_clients" in err, err)
    check("sqlite: ... without the client's secret", secret and secret not in err, err)


if args.backend == "sqlite":
    tmp = tempfile.mkdtemp(prefix="oauthreg-store-")
    two_processes_share_clients("sqlite:" + os.path.join(tmp, "shared.db"))
    two_writers("sqlite:" + os.path.join(tmp, "writers.db"), args.clients or 1000)
    survives_kill9("sqlite:" + os.path.join(tmp, "kill.db"))
    unopenable("sqlite:" + os.path.join(tmp, "no-such-dir", "x.db"))
    unreadable_row_does_not_end_listing(os.path.join(tmp, "unreadable.db"))
    failure_text_on_stderr(os.path.join(tmp, "failing.db"))
    subprocess.run(["rm", "-rf", tmp])
else:
    server = harness.postgres_server_or_skip()

    for name, fn in (("shared", two_processes_share_clients),
                     ("writers", lambda s: two_writers(s, args.clients or 10000))):
        db = harness.fresh_database(server, name)
        fn("postgres:%s dbname=%s" % (server, db))
        harness.drop_database(server, db)
    unopenable("postgres:host=127.0.0.1 port=1 connect_timeout=2")

sys.exit(harness.finish())
