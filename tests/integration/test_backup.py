#!/usr/bin/python3
"""pcoctl backup on the real daemon: an online copy made while panels keep
sending (the ACK latency measured before and during it), mode 0600, a reply
that says the copy holds keys; then a restore: a fresh pcod started on the
copy has every event ACKed before the backup began, and its audit chain
verifies; and the documented stop/replace/start restore in place.
"""

import json
import os
import signal
import shutil
import sqlite3
import stat
import threading
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=170)
pt.skip_on_pg("pcoctl backup copies the SQLite file and the restore puts the "
              "file back; a PostgreSQL store is backed up with PostgreSQL's tools")

KEY = "00112233445566778899AABBCCDDEEFF"
BULK = 60000


def bulk_history(path, BULK=BULK):
    """Make the database big enough that the copy takes many steps."""
    db = sqlite3.connect(path, timeout=10)
    t0 = int(time.time() * 1000) - 10 * 86400 * 1000
    with db:
        db.executemany(
            "INSERT INTO frames (id, received_ms, transport, peer, account,"
            " token, seq, raw, digest, data) VALUES (?, ?, 'tcp', '10.0.0.1:1',"
            " '9999', 'SIA-DCS', ?, x'0a', 'old', ?)",
            ((i, t0 + i, i % 9999 + 1, "#9999|Nri1/BA%d padding %s" % (i, "x" * 80))
             for i in range(1, BULK + 1)))
        db.executemany(
            "INSERT INTO events (id, frame_id, account, received_ms, format,"
            " code, qual, class, text) VALUES (?, ?, '9999', ?, 'SIA', 'BA',"
            " 'new', 'burglary', 'old')",
            ((i, i, t0 + i) for i in range(1, BULK + 1)))
    db.close()


class Load:
    """Panels sending frames one at a time, each remembered with the
    moment its ACK arrived."""

    def __init__(self, p, accounts):
        self.p = p
        self.stop = threading.Event()
        self.acked = []             # (t_ack, account, seq, zone), t monotonic
        self.lat = []               # (t_sent, seconds)
        self.bad = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(a,),
                                         daemon=True) for a in accounts]
        for th in self.threads:
            th.start()

    def _run(self, acct):
        i = 0
        try:
            with self.p.tcp(timeout=10) as c:
                while not self.stop.is_set() and i < 9000:
                    i += 1
                    zone = i % 900 + 1
                    t0 = time.monotonic()
                    m = c.exchange(pt.sia(i, acct, "Nri1/BA%d" % zone))
                    t1 = time.monotonic()
                    with self.lock:
                        if m.token == "ACK":
                            self.acked.append((t1, acct, i, zone))
                            self.lat.append((t0, t1 - t0))
                        else:
                            self.bad.append(m.token)
                    time.sleep(0.003)
        except Exception as e:
            with self.lock:
                self.bad.append(repr(e))

    def finish(self):
        self.stop.set()
        for th in self.threads:
            th.join(15)

    def window(self, a, b):
        with self.lock:
            return sorted(d for t, d in self.lat if a <= t < b)


def fmt(xs):
    if not xs:
        return "n=0"
    q = lambda f: xs[min(len(xs) - 1, int(len(xs) * f))] * 1000
    return "n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms" % (
        len(xs), q(0.5), q(0.99), xs[-1] * 1000)


def stored(p, acct):
    """(seq, zone) of every event of acct that pcod at p serves."""
    evs = p.events(account=acct, limit=10000)
    return {(e["seq"], e["zone"]) for e in evs}


@T.test
def backup_under_load_and_restore(t):
    p = Pcod(start=False)
    p.start()
    p.stop()
    bulk_history(p.db_path)
    p.start()
    p.add_account("4321", key=KEY)
    p.call("operator.add", login="boss", role="admin",
           password="a long enough password")
    accounts = ["6001", "6002"]
    load = Load(p, accounts)
    time.sleep(3)
    dest = os.path.join(p.dir, "copy.db")
    t0 = time.monotonic()
    rc, out, err = p.pcoctl("backup", dest, json_out=True, timeout=120)
    t1 = time.monotonic()
    time.sleep(1)
    load.finish()
    t.require(rc == 0, "pcoctl backup", err)
    before = load.window(t0 - 2.5, t0)
    during = load.window(t0, t1)
    t.info("backup of %d bytes in %.2f s (%s)" % (
        os.path.getsize(dest), t1 - t0, out.strip().replace("\n", " ")[:200]))
    t.info("ACK latency before the backup: %s" % fmt(before))
    t.info("ACK latency during the backup: %s" % fmt(during))
    t.eq(load.bad, [], "every frame ACKed during the backup")
    t.check(len(during) > 5, "frames were ACKed during the copy", len(during))
    t.check(not during or during[int(len(during) * 0.99) - 1] < 1.0,
            "p99 ACK latency under 1 s while copying", fmt(during))
    t.eq(oct(stat.S_IMODE(os.stat(dest).st_mode)), oct(0o600),
         "the copy is 0600")
    res = json.loads(out)
    t.check(res.get("holds_keys") is True and "keys" in res.get("warning", ""),
            "the reply says the copy holds keys", out)
    t.check(res.get("steps", 0) > 1, "copied in steps", res.get("steps"))
    rc, human, _ = p.pcoctl("backup", os.path.join(p.dir, "copy2.db"))
    t.check(rc == 0 and "password hashes" in human,
            "the human reply says it too", human)
    t.check(p.call("audit.list", action="backup", limit=5),
            "each backup is in the audit log")
    t.check(pt.wait_for(lambda: not p.status()["backup"]["running"]),
            "status: no backup running")
    acked_before = [(a, s, z) for (ta, a, s, z) in load.acked if ta < t0]
    t.check(len(acked_before) > 100, "events were ACKed before the backup",
            len(acked_before))

    # A fresh pcod on the copy.
    r = Pcod(start=False)
    shutil.copyfile(dest, r.db_path)
    os.chmod(r.db_path, 0o600)
    r.start()
    have = set()
    for a in accounts:
        have |= {(a, s, z) for (s, z) in stored(r, a)}
    missing = [e for e in acked_before if e not in have]
    t.eq(missing[:5], [], "every event ACKed before the backup is in the copy")
    v = r.call("audit.verify")
    t.check(v.get("intact"), "audit.verify on the restored copy", v)
    t.eq(r.call("account.show", account="4321").get("account"), "4321",
         "the keyed account is in the copy")
    t.eq(len(r.events(account="9999", limit=10000)), 10000,
         "the old history is in the copy")
    db = sqlite3.connect(r.db_path, timeout=10)
    t.eq(db.execute("SELECT key FROM accounts WHERE account = '4321'")
         .fetchone()[0].upper(), KEY, "with its key: the copy holds keys")
    t.eq(db.execute("SELECT count(*) FROM events WHERE account = '9999'")
         .fetchone()[0], BULK, "every old event")
    db.close()
    r.cleanup()

    # Restore in place, as pcod(8) says: stop, replace, start.
    n_before = len(stored(p, "6001"))
    t.eq(p.stop(), 0, "pcod stops cleanly")
    for sfx in ("-wal", "-shm"):
        if os.path.exists(p.db_path + sfx):
            os.unlink(p.db_path + sfx)
    shutil.copyfile(dest, p.db_path)
    p.start()
    n_after = len(stored(p, "6001"))
    t.check(n_after <= n_before and n_after >= len(
        [e for e in acked_before if e[0] == "6001"]),
        "the restored database is the copy", (n_before, n_after))
    t.check(p.call("audit.verify").get("intact"), "its audit log is intact")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "6003", "Nri1/BA1")).token, "ACK",
             "and pcod receives on it")


@T.test
def backup_busy_and_shutdown(t):
    """One copy at a time; SIGTERM during a copy: pcod stops cleanly and no
    half-written copy is left (the console sees its connection close)."""
    p = Pcod(start=False)
    p.start()
    p.stop()
    bulk_history(p.db_path, 150000)
    p.start()
    a, b = pt.Console(p), pt.Console(p)
    first = os.path.join(p.dir, "first.db")
    second = os.path.join(p.dir, "second.db")
    a.sock.sendall(json.dumps({"id": 1, "cmd": "backup",
                               "args": {"path": first}}).encode() + b"\n")
    time.sleep(0.05)
    r = b.req("backup", {"path": second})
    if r.get("ok"):
        t.info("the first copy ended before the second came; busy unchecked")
    else:
        t.eq(r["error"]["code"], "busy", "a second copy meanwhile is busy")
        t.check(not os.path.exists(second), "and writes nothing")
    r = a._line(30)
    t.check(r.get("ok"), "the first copy completes", r)
    third = os.path.join(p.dir, "third.db")
    a.sock.sendall(json.dumps({"id": 2, "cmd": "backup",
                               "args": {"path": third}}).encode() + b"\n")
    time.sleep(0.15)
    p.send_signal(signal.SIGTERM)
    try:
        r = a._line(30)
    except (pt.Closed, OSError) as e:
        r = {"closed": repr(e)}
    t.info("reply to the copy cut by SIGTERM: %s" % r)
    rc = p.proc.wait(30)
    t.eq(rc, 0, "pcod stops cleanly during a copy")
    if r.get("ok"):
        db = sqlite3.connect(third)
        t.eq(db.execute("PRAGMA integrity_check").fetchone()[0], "ok",
             "a copy that finished is whole")
        db.close()
    else:
        t.check(not os.path.exists(third), "a cancelled copy is removed", r)


@T.test
def backup_refusals(t):
    p = Pcod()
    for args, why in (({"path": "copy.db"}, "relative path"),
                      ({"path": p.db_path}, "the database itself"),
                      ({"path": p.conf_path}, "an existing file"),
                      ({"path": os.path.join(p.dir, "no", "such.db")},
                       "a missing folder"),
                      ({}, "no path"),
                      ({"path": ""}, "an empty path"),
                      ({"path": 5}, "not a string")):
        r = p.ctl("backup", args)
        t.check(not r.get("ok"), "refused: %s" % why, r)
    t.check(os.path.getsize(p.conf_path) > 0, "the file named is untouched")
    link = os.path.join(p.dir, "link.db")
    os.symlink(os.path.join(p.dir, "target.db"), link)
    r = p.ctl("backup", {"path": link})
    t.check(not r.get("ok") and not os.path.exists(
        os.path.join(p.dir, "target.db")), "a symlink is not followed", r)
    shared = os.path.join(p.dir, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o1777)
    r = p.ctl("backup", {"path": os.path.join(shared, "b.db")})
    t.check(not r.get("ok") and "writable by others" in r["error"]["message"],
            "a folder others may write to is refused", r)
    rc, _, err = p.pcoctl("backup")
    t.eq(rc, 2, "pcoctl backup without FILE is a usage error")
    old = os.getcwd()
    os.chdir(p.dir)
    try:
        rc, out, err = p.pcoctl("backup", "rel.db")
    finally:
        os.chdir(old)
    t.check(rc == 0 and os.path.exists(os.path.join(p.dir, "rel.db")),
            "pcoctl takes a relative FILE from its own directory", err)
    t.check(p.running(), "pcod still runs")


T.run()
