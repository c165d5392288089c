#!/usr/bin/python3
"""Durability: SIGTERM drains and exits 0; after kill -9 every ACKed event is
in the database; retransmissions after the crash are stored once.  With the
pipelined commit a kill -9 loses nothing the page cache holds, so a power cut
is simulated too: WAL syncs are slowed (the kill lands while one runs) and,
after the kill, the WAL is cut back to what the last finished sync covered
(tests/integration/slowsync.so logs that); every ACKed event must survive."""

import os
import signal
import subprocess
import socket
import sqlite3
import threading
import time

import pcotest as pt
from pcotest import Pcod, num


T = pt.Runner()


class Sender(threading.Thread):
    """Streams frames seq 1..n for one account on one TCP connection with up
    to `window` frames in flight; records which seqs were ACKed."""

    def __init__(self, port, acct, n, window=4):
        threading.Thread.__init__(self, daemon=True)
        self.port, self.acct, self.n, self.window = port, acct, n, window
        self.frames = {}
        self.acked = set()
        self.other = []         # non-ACK answers
        self.order_ok = True
        self.sent = 0
        self.error = None
        self.stop = False

    def frame(self, seq):
        if seq not in self.frames:
            self.frames[seq] = pt.sia(seq, self.acct, "Nri1/BA%02d" % (seq % 99 + 1))
        return self.frames[seq]

    def run(self):
        try:
            c = pt.TcpPanel(self.port, timeout=5)
        except OSError as e:
            self.error = e
            return
        try:
            nxt, expect = 1, 1
            while expect <= self.n and not self.stop:
                while nxt <= self.n and nxt - expect < self.window:
                    c.send(self.frame(nxt))
                    self.sent = nxt
                    nxt += 1
                a = c.read()
                if a.seq != "%04d" % expect:
                    self.order_ok = False
                if a.token == "ACK":
                    self.acked.add(int(a.seq))
                else:
                    self.other.append((a.token, a.seq))
                expect += 1
        except (pt.Closed, socket.timeout, OSError, pt.ProtocolError) as e:
            self.error = e
        finally:
            c.close()


def stored_seqs(p, acct):
    return [num(e.get("seq")) for e in p.events(account=acct, limit=10000)]


@T.test
def kill9_durability(t):
    p = Pcod()
    accts = ["D001", "D002", "D003", "D004"]
    for a in accts:
        p.add_account(a)
    n = 750
    senders = [Sender(p.tcp_port, a, n) for a in accts]
    t0 = time.monotonic()
    for s in senders:
        s.start()
    pt.wait_for(lambda: sum(len(s.acked) for s in senders) >= 1000 or
                not any(s.is_alive() for s in senders), 6, 0.01)
    p.kill9()
    for s in senders:
        s.join(10)
    dt = time.monotonic() - t0
    acked = sum(len(s.acked) for s in senders)
    sent = sum(s.sent for s in senders)
    t.info("sent %d, ACKed %d of %d in %.2f s before kill -9" % (sent, acked, n * 4, dt))
    t.check(acked > 0, "some frames ACKed before the kill", acked)
    t.check(all(s.order_ok for s in senders), "answers in order on every connection")
    t.eq([s.other for s in senders], [[]] * 4, "no NAK/DUH while streaming")
    if acked == n * 4:
        t.info("everything was ACKed before the kill; durability checked only for that")
    p.start()
    missing, dups, extra = {}, {}, {}
    for s in senders:
        seqs = stored_seqs(p, s.acct)
        st = set(seqs)
        if s.acked - st:
            missing[s.acct] = sorted(s.acked - st)[:10]
        if len(seqs) != len(st):
            dups[s.acct] = len(seqs) - len(st)
        if st - set(range(1, s.sent + 1)):
            extra[s.acct] = sorted(st - set(range(1, s.sent + 1)))[:10]
    t.eq(missing, {}, "every ACKed (account, seq) is in the database after kill -9")
    t.eq(dups, {}, "no event stored twice")
    t.eq(extra, {}, "nothing stored that was not sent")
    # the panels retransmit what was not ACKed; each must end up stored once
    bad = []
    with p.tcp(timeout=10) as c:
        for s in senders:
            for seq in range(1, s.sent + 1):
                if seq not in s.acked:
                    c.send(s.frame(seq))
                    a = c.read()
                    if a.token != "ACK":
                        bad.append((s.acct, seq, a.token))
    t.eq(bad[:5], [], "retransmissions after restart ACKed")
    counts = {}
    for s in senders:
        seqs = stored_seqs(p, s.acct)
        if sorted(seqs) != list(range(1, s.sent + 1)):
            counts[s.acct] = (len(seqs), s.sent)
    t.eq(counts, {}, "after retransmission every sent frame is stored exactly once")


@T.test
def sigterm_drain(t):
    p = Pcod()
    accts = ["E001", "E002", "E003"]
    for a in accts:
        p.add_account(a)
    senders = [Sender(p.tcp_port, a, 3000, window=8) for a in accts]
    for s in senders:
        s.start()
    pt.wait_for(lambda: sum(len(s.acked) for s in senders) >= 300, 5, 0.01)
    rc = p.stop(signal.SIGTERM, timeout=10)
    for s in senders:
        s.join(10)
    acked = sum(len(s.acked) for s in senders)
    t.info("ACKed %d before/while draining" % acked)
    t.eq(rc, 0, "SIGTERM under load: exit code 0")
    t.check(all(s.order_ok for s in senders), "answers in order while draining")
    t.eq([s.other for s in senders], [[]] * 3, "only ACKs while draining")
    t.check("Traceback" not in p.log() and "fatal" not in p.log().lower(),
            "no fatal error in the log")
    try:
        if pt.STORE == "pg":
            res = p.sql("SELECT count(*) >= 0 FROM events")
            t.eq(res, [(1,)], "database readable after SIGTERM")
        else:
            db = sqlite3.connect("file:%s?mode=ro" % p.db_path, uri=True, timeout=5)
            res = db.execute("PRAGMA integrity_check").fetchall()
            db.close()
            t.eq(res, [("ok",)], "database intact after SIGTERM (integrity_check)")
    except (sqlite3.Error, pt.pgcluster.SqlError) as e:
        t.check(False, "database readable after SIGTERM", e)
    p.start()
    missing = {}
    for s in senders:
        st = set(stored_seqs(p, s.acct))
        if s.acked - st:
            missing[s.acct] = sorted(s.acked - st)[:10]
    t.eq(missing, {}, "every ACKed frame stored after SIGTERM")
    # a burst written just before SIGTERM: whatever is answered is ACK
    with p.tcp() as c:
        c.send(b"".join(pt.sia(i, "E001", "Nri1/BA01") for i in range(5001, 5051)))
        time.sleep(0.3)
        rc = p.stop(signal.SIGTERM)
        got = []
        try:
            while True:
                got.append(c.read(timeout=3).token)
        except (pt.Closed, socket.timeout, OSError):
            pass
    t.eq(rc, 0, "SIGTERM with a pipelined burst: exit 0")
    t.eq(got, ["ACK"] * 50, "burst read before SIGTERM fully ACKed")
    p.start()
    t.check(p.status() is not None, "restarts cleanly on the same database")
    p.stop()


def shim_env(ctl, log):
    """LD_PRELOAD and the shim's files (an ASan build needs its runtime first)."""
    shim = os.environ.get("SLOWSYNC", "")
    if not os.path.exists(shim):
        raise pt.HardError("SLOWSYNC (the shim) not built: %r" % shim)
    libs = [shim]
    out = subprocess.run(["ldd", os.environ["PCOD"]], capture_output=True,
                         text=True, timeout=10).stdout
    for ln in out.splitlines():
        if "libasan" in ln and "=>" in ln:
            libs.insert(0, ln.split("=>")[1].split()[0])
    return {"LD_PRELOAD": " ".join(libs), "SLOWSYNC_CTL": ctl,
            "SLOWSYNC_LOG": log}


def wal_cycle(wal):
    """The WAL header's checkpoint sequence: it changes when the WAL starts over."""
    with open(wal, "rb") as f:
        return f.read(16)[12:16]


def start_with(env):
    with pt.environ(env):
        return Pcod()


@T.test
def power_cut_during_sync(t):
    """Batches this small are written and committed on the loop."""
    power_cut(t, {})


@T.test
def power_cut_during_sync_thread(t):
    """The same with every batch handed to the writer thread."""
    power_cut(t, {"PCOD_WRITER_THREAD": "1"})


@T.test
def power_cut_during_sync_growing_wal(t):
    """The same with a WAL that grows as it is written (not filled with
    zeros at start-up, store.c's store_wal_prealloc())."""
    power_cut(t, {"PCOD_WAL_PREALLOC_MB": "0"})


def power_cut(t, env):
    t.skip_on_pg("SQLite's WAL file cut back to its last sync (the server "
                 "syncs PostgreSQL's own WAL)")
    tag = "/tmp/pcotest-cut-%d" % os.getpid()
    ctl, log = tag + ".ctl", tag + ".log"
    try:
        _power_cut(t, ctl, log, env)
    finally:
        for f in (ctl, log):
            if os.path.exists(f):
                os.unlink(f)


def _power_cut(t, ctl, log, env):
    p = start_with(dict(shim_env(ctl, log), **env))
    accts = ["C001", "C002", "C003", "C004"]
    for a in accts:
        p.add_account(a)
    wal = p.db_path + "-wal"
    cycle = wal_cycle(wal)
    prealloc = env.get("PCOD_WAL_PREALLOC_MB") != "0"
    if prealloc:
        t.eq(os.path.getsize(wal), 40 << 20, "the WAL is filled with 40 MiB of zeros at start-up")
    else:
        t.check(os.path.getsize(wal) < 1 << 20, "the WAL is not filled",
                os.path.getsize(wal))
    with open(ctl, "w") as f:
        f.write("40\n")       # each WAL sync takes 40 ms: the kill lands in one
    n = 100                     # the WAL stays short of a checkpoint
    senders = [Sender(p.tcp_port, a, n) for a in accts]
    for s in senders:
        s.start()
    pt.wait_for(lambda: sum(len(s.acked) for s in senders) >= 150 or
                not any(s.is_alive() for s in senders), 10, 0.005)
    p.kill9()
    for s in senders:
        s.join(10)
    acked = sum(len(s.acked) for s in senders)
    with open(log) as f:
        synced = int(f.read().split()[0])
    size = os.path.getsize(wal)
    t.info("ACKed %d of %d sent; WAL %d bytes, %d synced" % (
        acked, sum(s.sent for s in senders), size, synced))
    t.check(acked > 0, "some frames ACKed before the cut", acked)
    t.eq(wal_cycle(wal), cycle, "the WAL did not start over (the cut is faithful)")
    t.check(synced <= size, "the synced length is within the WAL", (synced, size))
    if prealloc:
        # the shim follows the frames written, not the file's size
        t.check(0 < synced < size, "the cut falls inside the filled WAL", (synced, size))
    with open(wal, "r+b") as f:
        f.truncate(synced)      # the power cut: what was not synced is gone
    p.start()
    missing = {}
    for s in senders:
        st = set(stored_seqs(p, s.acct))
        if s.acked - st:
            missing[s.acct] = sorted(s.acked - st)[:10]
    t.eq(missing, {}, "every ACKed (account, seq) survives the cut WAL")
    db = sqlite3.connect("file:%s?mode=ro" % p.db_path, uri=True, timeout=5)
    res = db.execute("PRAGMA integrity_check").fetchall()
    db.close()
    t.eq(res, [("ok",)], "database intact after the power cut")


if __name__ == "__main__":
    T.run()
