#!/usr/bin/python3
"""Disk full: the database lives on a small tmpfs that the test fills up.
pcod must answer NAK (never ACK) while it cannot store, log it loudly, keep
running, and store the panels' retransmissions exactly once when space
returns.  Needs root (mount); skipped otherwise."""

import atexit
import errno
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner()

# A DC-09 NAK always reads "NAK"0000R0L0A0[]_time: it names no sequence.
NAK = ("NAK", "0000")
FS_SIZE = "2m"          # autocheckpoint (1000 pages) never fits: the WAL only grows
_MOUNTS = []


def _mount(path, size=FS_SIZE):
    """mount a tmpfs on path; None on success, else the reason."""
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size,
                        "tmpfs", path], stdin=subprocess.DEVNULL, capture_output=True)
    if p.returncode != 0:
        return (p.stderr.decode("utf-8", "replace").strip()
                or "mount exited with %d" % p.returncode)
    _MOUNTS.append(path)
    return None


def _umount(path):
    if path not in _MOUNTS:
        return
    if subprocess.run(["umount", path], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", path], capture_output=True)
    _MOUNTS.remove(path)


@atexit.register
def _umount_all():
    for p in list(pt._INSTANCES):       # pcod first: it holds the database open
        try:
            p.kill9()
        except Exception:
            pass
    for m in list(_MOUNTS):
        _umount(m)


def can_mount():
    """None if a tmpfs can be mounted here, else the reason."""
    if os.geteuid() != 0:
        return "not root: cannot mount a tmpfs"
    d = tempfile.mkdtemp(prefix="pcotest.mnt.")
    try:
        why = _mount(d, "1m")
        if why is None:
            _umount(d)
        return why
    finally:
        os.rmdir(d)


def fill(directory, name="filler"):
    """Write a file until ENOSPC; return its path.  tmpfs allocates whole
    pages, so 4 KiB writes leave no usable space behind."""
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return path


def free_blocks(directory):
    st = os.statvfs(directory)
    return st.f_bavail


class DiskPcod:
    """A Pcod whose database is on its own tmpfs (DIR/fs/pcod.db)."""

    def __init__(self):
        self.p = Pcod(start=False)
        self.fs = os.path.join(self.p.dir, "fs")
        os.mkdir(self.fs)
        why = _mount(self.fs)
        if why is not None:
            raise pt.HardError("mount tmpfs on %s: %s" % (self.fs, why))
        self.db = os.path.join(self.fs, "pcod.db")
        self.p.db_path = self.db
        self.p.write_conf({"database": '"%s"' % self.db})
        self.p.start()

    def close(self):
        """Kill pcod (if still running) before unmounting, then unmount."""
        try:
            self.p.kill9()
        finally:
            _umount(self.fs)


def answers(t, c, frames, what, key=None):
    """Send frames one by one on panel c; list of (token, seq)."""
    out = []
    for fr in frames:
        a = c.exchange(fr, key=key)
        out.append((a.token, a.seq))
    return out


def integrity(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()


def stored(p, acct):
    """Sorted seqs of the events stored for acct."""
    return sorted(num(e.get("seq")) for e in p.events(account=acct))


@T.test
def diskfull_nak_then_retransmission(t):
    d = DiskPcod()
    p = d.p
    try:
        # 40 MiB of zeros for the WAL do not fit on 2 MiB: it grows instead
        t.check(pt.wait_for(lambda: "the WAL is not preallocated" in p.log()),
                "a WAL that cannot be filled is told", p.log()[-600:])
        t.check(os.path.getsize(d.db + "-wal") < 1 << 20,
                "the zeros' room given back", os.path.getsize(d.db + "-wal"))
        acked = {"DF01": set(), "DF02": set()}
        # 1. normal operation: ACK after commit
        with p.tcp() as c:
            got = answers(t, c, [pt.sia(s, "DF01", "Nri1/BA%02d" % s) for s in range(1, 6)],
                          "before")
        t.eq(got, [("ACK", "%04d" % s) for s in range(1, 6)], "events ACKed before disk full")
        acked["DF01"].update(s for (tok, s) in ((tok, int(s)) for tok, s in got) if tok == "ACK")
        with p.udp() as u:
            a = u.exchange(pt.sia(6, "DF02", "Nri1/BA06"))
        t.eq(a.token, "ACK", "UDP event ACKed before disk full")
        if a.token == "ACK":
            acked["DF02"].add(6)
        before = p.counters()

        watcher = pt.Console(p)
        t.eq(watcher.req("subscribe", {"topics": ["system", "alarm"]}).get("ok"), True,
             "a console subscribes to system notifications")

        # 2. disk full
        filler = fill(d.fs)
        t.require(free_blocks(d.fs) == 0, "tmpfs full", free_blocks(d.fs))
        ts = pt.ts_format()     # same bytes when retransmitted
        single = [pt.sia(s, "DF01", "Nri1/BA%02d" % s, ts=ts) for s in range(10, 15)]
        piped = [pt.sia(s, "DF01", "Nri3/FA%02d" % s, ts=ts) for s in range(20, 23)]
        cidfr = pt.cid(24, "DF01", "1130 01 003", ts=ts)
        udpfr = pt.sia(30, "DF02", "Nri1/BA30", ts=ts)
        full_answers = []
        with p.tcp() as c:
            got = answers(t, c, single, "full")
            full_answers += got
            t.eq(got, [NAK] * 5, "disk full: every frame answered NAK (never ACK)")
            c.send(b"".join(piped))
            got = [(a.token, a.seq) for a in (c.read() for _ in piped)]
            full_answers += got
            t.eq(got, [NAK] * 3, "disk full: each pipelined frame answered NAK")
            a = c.exchange(cidfr)
            full_answers.append((a.token, a.seq))
            t.eq((a.token, a.seq), NAK, "disk full: CID frame NAK")
            t.check(a.time is not None and abs(a.time - time.time()) <= 5,
                    "NAK carries the receiver's time", a.frame)
            t.check(c.quiet(0.2), "no stray answers")
        with p.udp() as u:
            a = u.exchange(udpfr)
        full_answers.append((a.token, a.seq))
        t.eq((a.token, a.seq), NAK, "disk full: UDP frame NAK")
        for tok, s in full_answers:     # anything ACKed must be stored in the end
            if tok == "ACK":
                acked["DF02" if int(s) == 30 else "DF01"].add(int(s))

        t.check(p.running(), "pcod keeps running while the disk is full")
        st = p.status()
        cnt = st["counters"]
        t.check(num(cnt.get("commit_failures")) > num(before.get("commit_failures"))
                or num(cnt["rejected"].get("store")) > num(before["rejected"].get("store")),
                "commit_failures / rejected.store counted",
                (cnt.get("commit_failures"), cnt["rejected"].get("store")))
        t.eq(num(cnt.get("acks")), num(before.get("acks")), "acks counter unchanged while full")
        log = p.log()
        t.check("store: writes failing" in log, "log says the writes are failing")
        t.eq(stored(p, "DF01"), sorted(acked["DF01"]), "event.list while full: only ACKed events")
        n = watcher.wait(lambda n: n["notify"] == "system", timeout=3)
        t.check(n is not None and n["data"].get("kind") == "storage"
                and n["data"].get("failures", 0) >= 1,
                "consoles are told at once that the database refuses writes", n)
        r = p.ctl("account.add", {"account": "DF99"})
        t.info("account.add while full: %r" % (r,))
        t.check(not r.get("ok") and (r.get("error") or {}).get("code") == "storage_unavailable",
                "control write while full answers storage_unavailable", r)

        # 3. space returns: the panels retransmit the same frames
        os.unlink(filler)
        t.check(free_blocks(d.fs) > 0, "space freed")
        with p.tcp() as c:
            got = answers(t, c, single, "freed")
            t.eq(got, [("ACK", "%04d" % s) for s in range(10, 15)],
                 "retransmissions ACKed once space is back")
            c.send(b"".join(piped))
            got += [(a.token, a.seq) for a in (c.read() for _ in piped)]
            a = c.exchange(cidfr)
            got.append((a.token, a.seq))
            t.eq(got[5:], [("ACK", "0020"), ("ACK", "0021"), ("ACK", "0022"), ("ACK", "0024")],
                 "pipelined and CID retransmissions ACKed in order")
            for tok, s in got:
                if tok == "ACK":
                    acked["DF01"].add(int(s))
            # and once more: duplicates, acknowledged but not stored again
            dup = answers(t, c, single[:2], "dup")
            t.eq(dup, [("ACK", "0010"), ("ACK", "0011")], "second retransmission ACKed again")
        with p.udp() as u:
            a = u.exchange(udpfr)
        t.eq((a.token, a.seq), ("ACK", "0030"), "UDP retransmission ACKed")
        if a.token == "ACK":
            acked["DF02"].add(30)
        t.check(num(p.counters().get("duplicates")) >= 2, "duplicates counted",
                p.counters().get("duplicates"))
        want01 = sorted(set(range(1, 6)) | set(range(10, 15)) | {20, 21, 22, 24})
        t.eq(stored(p, "DF01"), want01, "each event stored exactly once (tcp)")
        t.eq(stored(p, "DF02"), [6, 30], "each event stored exactly once (udp)")
        t.eq(num(p.counters().get("events")), len(stored(p, "DF01")) + len(stored(p, "DF02")),
             "counters.events counts only events that were committed")
        r = p.ctl("account.add", {"account": "DF98"})
        t.check(r.get("ok"), "control writes work again", r)
        sysal = []
        pt.wait_for(lambda: sysal.extend(
            a for a in (p.ctl("alarm.list", {"state": "open"}).get("result") or [])
            if a.get("kind") == "system") or sysal, timeout=5)
        t.check(len(sysal) == 1 and "Database refused writes" in sysal[0].get("text", ""),
                "once writes work again, the failure is on record as one system alarm",
                sysal)
        watcher.close()

        # 4. clean stop, integrity, and everything ACKed survives a restart
        t.eq(p.stop(), 0, "SIGTERM: exit 0")
        res = integrity(d.db)
        t.eq(res, [("ok",)], "PRAGMA integrity_check ok")
        p.start()
        for acct in acked:
            missing = sorted(acked[acct] - set(stored(p, acct)))
            t.eq(missing, [], "every ACKed event of %s present after restart" % acct)
        t.eq(stored(p, "DF01"), want01, "no duplicates after restart")
        p.stop()
    finally:
        d.close()


@T.test
def diskfull_while_streaming(t):
    """The disk fills up while a panel sends: whatever was ACKed is stored,
    the rest is NAKed and stored once when retransmitted."""
    d = DiskPcod()
    p = d.p
    try:
        ts = pt.ts_format()
        before = p.counters()
        frames = {}
        answered = {}
        filler = os.path.join(d.fs, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        full = False
        seq = 0
        naks_after_full = 0
        with p.tcp() as c:
            while seq < 400 and naks_after_full < 5:
                seq += 1
                frames[seq] = pt.sia(seq, "D501", "Nri%d/BA%02d" % (seq % 9 + 1, seq % 99),
                                     ts=ts)
                a = c.exchange(frames[seq])
                # an ACK must echo the frame's sequence number
                answered[seq] = a.token if a.token != "ACK" or a.seq == "%04d" % seq \
                    else "ACK for %s" % a.seq
                if not full:
                    try:
                        os.write(fd, b"\0" * (1 << 15))
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
                        full = True
                        while True:     # the last pages too
                            try:
                                os.write(fd, b"\0" * 4096)
                            except OSError:
                                break
                elif a.token == "NAK":
                    naks_after_full += 1
        os.close(fd)
        t.info("%d frames: %d ACK, %d NAK before space returned"
               % (seq, sum(v == "ACK" for v in answered.values()),
                  sum(v == "NAK" for v in answered.values())))
        t.check(full, "the tmpfs filled up")
        t.check(set(answered.values()) <= {"ACK", "NAK"}, "only ACK or NAK answers",
                set(answered.values()))
        t.check(naks_after_full >= 5, "NAKs once the disk is full")
        nnak = sum(v == "NAK" for v in answered.values())
        rej = num(p.counters()["rejected"].get("store")) - num(before["rejected"].get("store"))
        t.eq(rej, nnak, "every NAK counted as rejected.store")
        acked = sorted(s for s, tok in answered.items() if tok == "ACK")
        t.eq(sorted(set(acked) - set(stored(p, "D501"))), [],
             "every ACKed frame is stored")
        t.eq(stored(p, "D501"), acked, "nothing NAKed is stored")
        t.check(p.running(), "pcod running")

        os.unlink(filler)
        nakked = sorted(s for s, tok in answered.items() if tok != "ACK")
        with p.tcp() as c:
            c.send(b"".join(frames[s] for s in nakked))
            got = [(a.token, a.seq) for a in (c.read() for _ in nakked)]
        t.eq(got, [("ACK", "%04d" % s) for s in nakked],
             "NAKed frames retransmitted in one burst: ACKed in order")
        t.eq(stored(p, "D501"), list(range(1, seq + 1)), "all frames stored exactly once")
        t.eq(p.stop(), 0, "SIGTERM: exit 0")
        t.eq(integrity(d.db), [("ok",)], "PRAGMA integrity_check ok")
    finally:
        d.close()


if __name__ == "__main__":
    if not pt._binary("PCOD"):
        print("# PCOD not set or not executable: skipping")
        sys.exit(77)
    pt.skip_on_pg("the SQLite file on a small tmpfs that fills up; PostgreSQL's "
                  "disk is the server's")
    why = can_mount()
    if why is not None:
        print("# cannot mount a tmpfs (%s): skipping" % why)
        sys.exit(77)
    T.run()
