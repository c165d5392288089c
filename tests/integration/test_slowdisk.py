#!/usr/bin/python3
"""A slow or dying disk under the pipelined commit (issue 8's slow-disk item,
issue 11), with tests/integration/slowsync.so (LD_PRELOAD) slowing or failing
the fsync of pcod's WAL:

* While one WAL sync takes 2.5 s, the receiver does not freeze: a console's
  status and event.list answer at once, TCP and UDP frames are still read,
  the storage trouble reaches status and a subscribed console; no ACK, no
  alarm notification and no reply to a console's change leaves before the
  slow sync has returned; the trouble ends once syncs are fast again.
* A sync that fails (EIO) acknowledges nothing; pcod exits 1 so that SQLite
  recovers from the disk, and the panel's retransmission is stored once.
"""

import os
import subprocess
import threading
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner(limit=58)
pt.skip_on_pg("slowsync.so slows and fails the fsync of SQLite's WAL in pcod's "
              "own process; PostgreSQL syncs in the server")

SLOW_MS = 2500


def preload():
    """LD_PRELOAD for the shim; an ASan build needs its runtime first."""
    shim = os.environ.get("SLOWSYNC", "")
    if not os.path.exists(shim):
        raise pt.HardError("SLOWSYNC (the shim) not built: %r" % shim)
    libs = [shim]
    try:
        out = subprocess.run(["ldd", os.environ["PCOD"]], capture_output=True,
                             text=True, timeout=10).stdout
        for ln in out.splitlines():
            if "libasan" in ln and "=>" in ln:
                libs.insert(0, ln.split("=>")[1].split()[0])
    except (OSError, subprocess.SubprocessError):
        pass
    return " ".join(libs)


def start(ctl, extra=(), conf=None):
    """pcod with the shim reading ctl (absent: a normal disk)."""
    with pt.environ({"LD_PRELOAD": preload(), "SLOWSYNC_CTL": ctl}):
        return Pcod(conf=conf, extra=extra)


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


class Timed(threading.Thread):
    """Runs fn in a thread; notes its result and when it came."""

    def __init__(self, fn):
        threading.Thread.__init__(self, daemon=True)
        self.fn, self.result, self.at, self.error = fn, None, None, None
        self.start()

    def run(self):
        try:
            self.result = self.fn()
            self.at = time.monotonic()
        except Exception as e:     # noqa: BLE001 - reported by the test
            self.error = e


class Reader(threading.Thread):
    """Reads one answer from a panel; notes when it came."""

    def __init__(self, panel):
        threading.Thread.__init__(self, daemon=True)
        self.panel, self.answer, self.at, self.error = panel, None, None, None

    def run(self):
        try:
            self.answer = self.panel.read(timeout=10)
            self.at = time.monotonic()
        except Exception as e:     # noqa: BLE001 - reported by the test
            self.error = e


@T.test
def slow_sync_does_not_freeze(t):
    ctl = "/tmp/pcotest-slowsync-%d" % os.getpid()
    # idle-timeout stays 2 s: a panel waiting 2.5 s for its ACK is not idle.
    p = start(ctl, extra=["database-sync-limit 1000"])
    try:
        _slow_sync(t, p, ctl)
    finally:
        if os.path.exists(ctl):
            os.unlink(ctl)


def _slow_sync(t, p, ctl):
    p.add_account("5D01")
    watcher = pt.Console(p)
    t.eq(watcher.req("subscribe", {"topics": ["system"]}).get("ok"), True,
         "a console subscribes to system")
    alarms = pt.Console(p)
    t.eq(alarms.req("subscribe", {"topics": ["alarm"]}).get("ok"), True,
         "a console subscribes to alarms")
    writer = pt.Console(p)
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "5D01", "Nri1/BA01")).token, "ACK",
             "ACK on a normal disk")
    t.check(alarms.wait(lambda n: (n.get("data") or {}).get("zone") == 1,
                        timeout=3) is not None, "its alarm is published")
    frames0 = p.counters()["frames"]
    write(ctl, "%d\n" % SLOW_MS)
    tcp1, tcp2 = p.tcp(timeout=10), p.tcp(timeout=10)
    udp = pt.UdpPanel(p.udp_port, timeout=10)
    t0 = time.monotonic()
    tcp1.send(pt.sia(2, "5D01", "Nri1/BA02"))
    r1 = Reader(tcp1)
    r1.start()
    time.sleep(0.3)             # the sync of that commit is running now
    tcp2.send(pt.sia(3, "5D01", "Nri1/BA03"))
    udp.send(pt.sia(4, "5D01", "Nri1/BA04"))
    r2, r3 = Reader(tcp2), Reader(udp)
    r2.start()
    r3.start()
    note = Timed(lambda: alarms.wait(
        lambda n: (n.get("data") or {}).get("zone") == 2, timeout=10))
    change = Timed(lambda: writer.req("account.add", {"account": "5D02"}))
    ev_t = time.monotonic()
    ev = p.events(account="5D01")
    t.check(time.monotonic() - ev_t < 0.5, "event.list answers at once "
            "during a slow sync (%.3f s)" % (time.monotonic() - ev_t))
    t.check(1 in [num(e.get("seq")) for e in ev], "and reads what is stored")
    st_t = time.monotonic()
    st = p.status()
    took = time.monotonic() - st_t
    t.check(took < 0.5, "status answers at once during a slow sync (%.3f s)" % took)
    t.eq(st["counters"]["frames"] - frames0, 3,
         "the TCP and UDP frames sent during the sync were read")
    time.sleep(1.2)
    st = p.status()
    t.eq((st.get("storage") or {}).get("state"), "slow",
         "status tells of the slow disk while the sync is slow (not "
         "'failing': nothing is refused)")
    t.check("disk is slow" in (st.get("storage") or {}).get("message", ""),
            "and says the disk is slow", st.get("storage"))
    n = watcher.wait(lambda n: n.get("notify") == "system"
                     and n["data"].get("state") == "slow", timeout=1.0)
    t.check(n is not None, "a subscribed console hears of it", n)
    t.eq([r.answer for r in (r1, r2, r3)], [None] * 3,
         "no ACK while the sync runs")
    os.unlink(ctl)              # the next sync is fast
    for r in (r1, r2, r3):
        r.join(10)
    got = [(r.answer.token, r.answer.seq) if r.answer else r.error
           for r in (r1, r2, r3)]
    t.eq(got, [("ACK", "0002"), ("ACK", "0003"), ("ACK", "0004")],
         "every frame ACKed once the sync returned")
    late = [round(r.at - t0, 2) for r in (r1, r2, r3) if r.at]
    t.check(len(late) == 3 and min(late) >= SLOW_MS / 1000.0 - 0.05,
            "no ACK before the slow sync returned (%s s)" % late)
    for x in (note, change):
        x.join(10)
    t.check(note.result is not None and note.at - t0 >= SLOW_MS / 1000.0 - 0.05,
            "the alarm of a frame in the slow batch is published only after "
            "its sync (%s s)" % (note.at and round(note.at - t0, 2)))
    t.check((change.result or {}).get("ok") is True and
            change.at - t0 >= SLOW_MS / 1000.0 - 0.05,
            "a console change made during the sync is answered after it "
            "(%s s)" % (change.at and round(change.at - t0, 2)),
            change.result or change.error)
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(5, "5D01", "Nri1/BA05")).token, "ACK",
             "a frame after the slow sync: ACK")
    ok = watcher.wait(lambda n: n.get("notify") == "system"
                      and n["data"].get("state") == "ok", timeout=3)
    t.check(ok is not None, "the console hears the trouble is over", ok)
    t.eq((p.status().get("storage") or {}).get("state"), "ok",
         "status: storage ok once syncs are fast again")
    logs = p.log()
    t.check("the disk is slow, answers to panels and consoles are held"
            in logs and "writes failing" not in logs,
            "the log says the disk is slow, not that writes fail")
    sysal = []
    pt.wait_for(lambda: sysal.extend(
        a for a in (p.ctl("alarm.list", {"state": "open"}).get("result") or [])
        if a.get("kind") == "system") or sysal, timeout=5)
    t.check(len(sysal) == 1 and "Database disk slow" in sysal[0]["text"]
            and "Database refused" not in sysal[0]["text"],
            "the slow disk is on record as one system alarm that says so",
            sysal)
    t.eq(sorted(num(e.get("seq")) for e in p.events(account="5D01")),
         [1, 2, 3, 4, 5], "every event stored once")
    for c in (tcp1, tcp2, udp, alarms, writer):
        c.close()


@T.test
def failed_sync_answers_nothing(t):
    ctl = "/tmp/pcotest-eio-%d" % os.getpid()
    p = start(ctl)
    try:
        p.add_account("5E01")
        write(ctl, "eio\n")
        frame = pt.sia(7, "5E01", "Nri1/BA07")
        with p.tcp(timeout=5) as c:
            c.send(frame)
            try:
                a = c.read(timeout=3)
            except (pt.Closed, OSError, TimeoutError) as e:
                a = e
        t.check(not hasattr(a, "token") or a.token != "ACK",
                "no ACK for a batch whose sync failed", a)
        try:
            rc = p.proc.wait(5)
        except subprocess.TimeoutExpired:
            rc = None
        t.eq(rc, 1, "pcod exits 1 after a failed sync")
        t.check("SYNC OF THE WAL FAILED" in p.log(), "and says why, loudly")
    finally:
        if os.path.exists(ctl):
            os.unlink(ctl)
    p.kill9()                   # gone already; drops the old control link
    p.start()
    with p.tcp() as c:
        t.eq(c.exchange(frame).token, "ACK", "the retransmission is ACKed")
    t.eq([num(e.get("seq")) for e in p.events(account="5E01")], [7],
         "and stored once")


T.run()
