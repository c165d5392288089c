#!/usr/bin/python3
"""Issue 11 (speed): what the faster paths must keep.  The retransmission
keys live in memory now: a retransmission is still recognised after a
restart or a crash, a window widened on reload still reaches frames the
memory no longer holds, and a frame past the window is a new event."""

import os
import re
import resource
import signal
import socket
import sqlite3
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner(limit=120)


def dups(p):
    return num(p.counters().get("duplicates", 0))


def stored(p, acct, seq):
    return [e for e in p.events(account=acct) if num(e.get("seq")) == seq]


@T.test
def retransmission_known_after_restart_and_crash(t):
    p = Pcod()
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(7, "1234", "Nri1/BA01")).token, "ACK", "first frame ACKed")
        t.eq(c.exchange(pt.sia(8, "1234", "Nri1/BA02")).token, "ACK", "second frame ACKed")
    p.restart()
    # the memory, not the store, answers once the window is read back
    t.check(pt.wait_for(lambda: "duplicate window: 2 key(s) held" in p.log()),
            "the window's 2 keys read back at start-up")
    before = dups(p)
    with p.tcp() as c:
        # a panel re-stamps its retransmission: the timestamp is not the key
        t.eq(c.exchange(pt.sia(7, "1234", "Nri1/BA01", ts=time.time() - 1)).token,
             "ACK", "retransmission after a restart ACKed")
    t.eq(dups(p) - before, 1, "and recognised as one")
    p.kill9()
    p.start()
    t.check(pt.wait_for(lambda: p.log().count(" 2 key(s) held") == 2),
            "read back after kill -9 too")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(8, "1234", "Nri1/BA02", ts=time.time() - 2)).token,
             "ACK", "retransmission after kill -9 ACKed")
        # same account and sequence, other content: a new event
        t.eq(c.exchange(pt.sia(8, "1234", "Nri1/BA03")).token, "ACK", "other content ACKed")
    t.eq(dups(p), 1, "recognised after the crash too (counters restart at 0)")
    t.eq(len(stored(p, "1234", 7)), 1, "seq 7 stored once")
    t.eq(sorted(e["zone"] for e in stored(p, "1234", 8)), [2, 3],
         "seq 8: the original and the other content, no copy")


@T.test
def window_passes_and_widens(t):
    p = Pcod(conf={"duplicate-window": "1"})
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(5, "2345", "Nri1/BA01")).token, "ACK", "frame ACKed")
        time.sleep(1.5)
        # past the window: the same frame again is a new event
        t.eq(c.exchange(pt.sia(5, "2345", "Nri1/BA01")).token, "ACK", "again, past the window")
        t.eq(dups(p), 0, "not a duplicate past the window")
        time.sleep(1.5)
        # another frame lets the memory drop the old keys
        t.eq(c.exchange(pt.sia(6, "2345", "Nri1/BA02")).token, "ACK", "another frame")
    # a wider window reaches keys the memory dropped: the store answers
    p.write_conf({"duplicate-window": "600"})
    p.send_signal(signal.SIGHUP)
    t.check(pt.wait_for(lambda: "reloaded" in p.log(), timeout=5), "SIGHUP reloads")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(5, "2345", "Nri1/BA01")).token, "ACK", "third copy ACKed")
    t.eq(dups(p), 1, "the widened window recognises it")
    t.eq(len(stored(p, "2345", 5)), 2, "stored twice (once per window), not three times")


@T.test
def many_keys_one_account(t):
    """One busy account: 3,000 frames over every sequence number pattern,
    each resent once, each recognised; nothing else merged."""
    p = Pcod()
    n = 3000
    with p.tcp() as c:
        for i in range(n):
            seq = i % 10 + 1            # few sequence numbers: long chains
            c.send(pt.sia(seq, "3456", "Nri1/BA%d" % (i + 1)))
        acks = sum(c.read().token == "ACK" for _ in range(n))
        t.eq(acks, n, "every frame ACKed")
        for i in range(0, n, 7):
            c.send(pt.sia(i % 10 + 1, "3456", "Nri1/BA%d" % (i + 1)))
        resent = len(range(0, n, 7))
        acks = sum(c.read().token == "ACK" for _ in range(resent))
        t.eq(acks, resent, "every resend ACKed")
    t.eq(dups(p), resent, "every resend recognised")
    t.eq(len(p.events(account="3456", limit=n * 2)), n, "each event stored once")


def slow_reader(port, rcvbuf=4096):
    """A TcpPanel with a small receive buffer, so that unread answers soon
    stay in pcod's own write buffer instead of the kernel's."""
    c = pt.TcpPanel.__new__(pt.TcpPanel)
    c.timeout = 10.0
    c.buf = b""
    c.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    c.sock.settimeout(10.0)
    c.sock.connect((pt.HOST, port))
    return c


@T.test
def panel_reading_late_gets_every_answer_in_order(t):
    """Plain TCP writes answers itself: what the socket does not take waits
    in pcod and goes out, in order, when the panel reads again."""
    p = Pcod()
    n = 8000                    # 240 KB of ACKs, where the kernel takes 64 KB
    c = slow_reader(p.tcp_port)
    try:
        c.send(b"".join(pt.sia(i % 9999 + 1, "6789", "Nri1/BA%d" % (i + 1))
                        for i in range(n)))
        # all stored (and answered into the buffers) before reading any
        t.check(pt.wait_for(lambda: num(p.counters().get("events")) >= n, timeout=30),
                "all frames stored while the panel does not read", p.counters())
        time.sleep(0.3)
        seqs = [c.read() for _ in range(n)]
        t.eq([(a.token, a.seq) for a in seqs if a.token != "ACK"], [], "only ACKs")
        t.eq([int(a.seq) for a in seqs], [i % 9999 + 1 for i in range(n)],
             "every ACK, in the order of the frames")
        t.eq(c.exchange(pt.sia(n + 1, "6789", "Nri1/BA0")).token, "ACK",
             "and the connection goes on")
    finally:
        c.close()
    t.check("peer does not read" not in p.log(), "the panel was not dropped")


@T.test
def panel_never_reading_is_dropped(t):
    """A panel that sends and never reads is closed once 256 KiB of answers
    wait for it; its frames are stored, and other panels are served."""
    p = Pcod(conf={"listen tcp": "127.0.0.1:{tcp} idle-timeout 60 max-frame 1024 "
                                 "max-connections 100 max-per-address 64"})
    c = slow_reader(p.tcp_port)
    sent = 0
    try:
        for k in range(30):
            c.send(b"".join(pt.sia((k * 1000 + i) % 9999 + 1, "7890",
                                   "Nri1/BA%d" % (k * 1000 + i)) for i in range(1000)))
            sent += 1000
    except OSError:
        pass                    # pcod closed it while we were still sending
    t.check(pt.wait_for(lambda: "peer does not read its answers" in p.log(), timeout=30),
            "the panel is dropped with a reason", p.log()[-600:])
    t.check(sent >= 6000, "after thousands of unread answers", sent)
    c.close()
    with p.tcp() as d:
        t.eq(d.exchange(pt.sia(1, "7891", "Nri1/BA01")).token, "ACK",
             "another panel is answered")
    t.eq(num(p.counters().get("connections_open")), 0, "nothing left open")


def nofile(pid):
    """pcod's soft and hard descriptor limits, from /proc."""
    with open("/proc/%d/limits" % pid) as f:
        for ln in f:
            if ln.startswith("Max open files"):
                soft, hard = ln.split()[3:5]
                return int(soft), int(hard)
    return None


@T.test
def descriptor_limit_raised_for_max_connections(t):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2000:
        t.info("hard limit %d: too low to test" % hard)
        return
    # pcod inherits a low soft limit; the test takes its own back at once
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        p = Pcod(conf={"listen tcp": "127.0.0.1:{tcp} max-connections 700 "
                                     "max-per-address 700 idle-timeout 30"})
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    got = nofile(p.pid)
    t.check(got and got[0] >= 700 + 128, "soft limit raised for max-connections", got)
    t.check("descriptor limit raised from 256" in p.log(), "and logged")
    conns = []
    try:
        for i in range(600):
            conns.append(p.tcp(timeout=10))
        for i, c in enumerate(conns):
            c.send(pt.sia(i % 9999 + 1, "4567", "Nri1/BA%d" % (i + 1)))
        acks = sum(c.read().token == "ACK" for c in conns)
        t.eq(acks, 600, "600 panels at once, past the inherited 256, all ACKed")
    finally:
        for c in conns:
            c.close()
    p.stop()


def start_env(env, **kw):
    """pcod started with env added to this process's environment."""
    with pt.environ(env):
        return Pcod(**kw)


def burst(p, acct, n, conns=4):
    """n frames per connection, each connection's written at once: they
    arrive in few loop passes, so the batches are large.  ACKs counted."""
    cs = [p.tcp(timeout=10) for _ in range(conns)]
    try:
        for i, c in enumerate(cs):
            c.send(b"".join(pt.sia(i * n + k + 1, "%s%d" % (acct, i),
                                   "Nri1/BA%02d" % (k % 99 + 1))
                            for k in range(n)))
        return sum(c.read(timeout=10).token == "ACK"
                   for c in cs for _ in range(n))
    finally:
        for c in cs:
            c.close()


def thread_line(p):
    """(on the thread, inline) from the shutdown line; None without one."""
    m = re.search(r"(\d+) write\(s\) ran on the writer thread, (\d+) in "
                  r"small transactions on the loop", p.log())
    return (int(m.group(1)), int(m.group(2))) if m else None


@T.test
def writer_thread_takes_large_batches_only(t):
    """PCOD_WRITER_THREAD=N: a batch of N statements or more is written on
    the writer thread, a smaller one on the loop; every event is stored
    either way."""
    t.skip_on_pg("SQLite's writer thread (PostgreSQL pipelines to the server)")
    p = start_env({"PCOD_WRITER_THREAD": "40"})
    t.eq(burst(p, "71", 100), 400, "a burst of 400 frames ACKed")
    with p.tcp() as c:
        for k in range(30):
            t.eq(c.exchange(pt.sia(k + 1, "7200", "Nri1/BA01")).token, "ACK",
                 "single frame %d ACKed" % (k + 1))
    t.eq(len(p.events(account="7200", limit=100)), 30, "singles stored")
    t.eq(sum(len(p.events(account="71%d" % i, limit=200)) for i in range(4)),
         400, "the burst stored")
    p.stop()
    n = thread_line(p)
    t.check(n is not None and n[0] > 0, "the burst's batches went to the "
            "thread", n)
    t.check(n is not None and n[1] > 0, "single frames stayed on the loop", n)
    # The default: small batches never wake the thread.
    p = start_env({"PCOD_WRITER_THREAD": ""})
    with p.tcp() as c:
        for k in range(10):
            t.eq(c.exchange(pt.sia(k + 1, "7300", "Nri1/BA01")).token, "ACK",
                 "single frame ACKed")
    p.stop()
    n = thread_line(p)
    t.check(n is not None and n[0] == 0 and n[1] > 0,
            "by default small batches are written on the loop", n)
    # Off: no writer thread at all; a value that is no count is the default.
    p = start_env({"PCOD_WRITER_THREAD": "0"})
    t.eq(burst(p, "74", 50), 200, "without the thread: a burst ACKed")
    p.stop()
    t.eq(thread_line(p), None, "no writer thread: no line about it")
    p = start_env({"PCOD_WRITER_THREAD": "lots"})
    t.check("PCOD_WRITER_THREAD=lots is not 0 or a count" in p.log(),
            "a bad value is logged", p.log()[-300:])
    t.eq(burst(p, "75", 50), 200, "and pcod runs on the default")
    p.stop()


@T.test
def wal_filled_at_start_unless_held(t):
    """The WAL is filled with zeros at start-up (its syncs then write over
    blocks already there), but never against another process: with a reader
    holding the last run's WAL, pcod neither waits nor fills, and starts."""
    t.skip_on_pg("SQLite's WAL file")
    p = Pcod()
    wal = p.db_path + "-wal"
    t.eq(os.path.getsize(wal), 40 << 20, "the WAL holds 40 MiB from the start")
    with p.tcp() as c:
        for i in range(1, 21):
            t.eq(c.exchange(pt.sia(i, "4321", "Nri1/BA%02d" % i)).token, "ACK",
                 "frame %d ACKed over the zeros" % i)
    p.kill9()
    t.eq(os.path.getsize(wal), 40 << 20, "the WAL keeps its size to the crash")
    p.start()
    # recovery read the frames and stopped at the zeros
    t.eq(len(p.events(account="4321")), 20, "every ACKed event after the crash")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(3, "4321", "Nri1/BA03")).token, "ACK",
             "a retransmission from before the crash is known")
    t.eq(len(p.events(account="4321")), 20, "and stored once")
    p.stop()

    # a WAL left small by a run without the zeros, held by a reader
    with pt.environ({"PCOD_WAL_PREALLOC_MB": "0"}):
        q = Pcod()
    wal = q.db_path + "-wal"
    with q.tcp() as c:
        for i in range(1, 11):
            t.eq(c.exchange(pt.sia(i, "4322", "Nri1/BA%02d" % i)).token, "ACK",
                 "frame %d ACKed, WAL growing" % i)
    q.kill9()
    small = os.path.getsize(wal)
    t.check(0 < small < 1 << 20, "a small WAL is left", small)
    db = sqlite3.connect(q.db_path, timeout=5, isolation_level=None)
    db.execute("BEGIN")
    seen = db.execute("SELECT count(*) FROM events WHERE account = '4322'").fetchone()[0]
    t.eq(seen, 10, "a reader of the crashed store sees every ACKed event")
    t0 = time.monotonic()
    q.start()
    t.check(time.monotonic() - t0 < 5, "pcod did not wait for the reader",
            time.monotonic() - t0)
    t.check(pt.wait_for(lambda: "the WAL is not preallocated" in q.log()),
            "not filling it is logged", q.log()[-400:])
    t.check(os.path.getsize(wal) < 1 << 20, "the held WAL was left to grow",
            os.path.getsize(wal))
    db.execute("COMMIT")
    db.close()
    with q.tcp() as c:
        t.eq(c.exchange(pt.sia(11, "4322", "Nri1/BA11")).token, "ACK", "and pcod runs")
    t.eq(len(q.events(account="4322")), 11, "every event once")
    q.stop()
    # with nothing holding it, the next start fills it
    q.start()
    t.eq(os.path.getsize(wal), 40 << 20, "filled at the next start")
    t.eq(len(q.events(account="4322")), 11, "with every event")
    q.stop()


@T.test
def descriptor_limit_capped_by_hard_limit(t):
    """Last test: it lowers this process's hard limit for good."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 600:
        t.info("hard limit %d: too low to test" % hard)
        return
    resource.setrlimit(resource.RLIMIT_NOFILE, (300, 600))
    p = Pcod(conf={"listen tcp": "127.0.0.1:{tcp} max-connections 5000 "
                                 "max-per-address 64 idle-timeout 30"})
    t.eq(nofile(p.pid), (600, 600), "soft limit raised to the hard limit")
    t.check(pt.wait_for(lambda: "descriptor limit capped at 600" in p.log()),
            "a clear line says it is capped", p.log()[-400:])
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "5678", "Nri1/BA01")).token, "ACK", "and pcod runs")


if __name__ == "__main__":
    T.run()
