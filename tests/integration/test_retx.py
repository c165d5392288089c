#!/usr/bin/python3
"""The duplicate window exact in memory (issue 11, tests/bench/PLAN.md item 3).

Memory holds every retransmission key up to a ceiling and drops none; past
the ceiling a frame is stored with retx = 1 and the partial index frames_retx
answers for it.  Tested here through the real pcod, with the test knobs
PCOD_TEST_SEEN_MAX (a tiny ceiling) and PCOD_TEST_SEEN_CHUNK /
PCOD_TEST_SEEN_PAUSE_MS (a slow read-back):
  * frames past the ceiling, then their retransmissions: recognised, stored
    once; frames in memory likewise; same seq with other content is new;
  * a retransmission (or a new frame) arriving while the window is read back
    at start-up is answered NAK, never stored twice; after the read-back it
    is recognised;
  * a reload that widens duplicate-window reads the older frames back;
  * a database of schema 14 (frames_retransmit, no retx) upgraded: the
    frames of its window are recognised after the start;
  * kill -9 during overflow: every ACKed event stored once, retransmissions
    after the restart recognised.
"""

import os
import signal
import socket
import threading
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner(limit=170)


class Env:
    """Set test knobs in the environment pcod inherits, for a with-block."""

    def __init__(self, **kw):
        self.kw = {k: str(v) for k, v in kw.items()}
        self.old = {}

    def __enter__(self):
        for k, v in self.kw.items():
            self.old[k] = os.environ.get(k)
            os.environ[k] = v
        return self

    def __exit__(self, *a):
        for k, v in self.old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def frames_for(acct, n, first=1):
    return {s: pt.sia(s, acct, "Nri1/BA%02d" % (s % 99 + 1))
            for s in range(first, first + n)}


def send_all(p, frames):
    """Send each frame on one connection; the answers' tokens by seq."""
    got = {}
    with p.tcp(timeout=10) as c:
        for seq in sorted(frames):
            got[seq] = c.exchange(frames[seq]).token
    return got


def stored(p, acct):
    return sorted(num(e.get("seq")) for e in p.events(account=acct))


def retx_rows(p):
    """Frames stored with retx = 1: rows of their own, or sharing their only
    event's row (schema 17)."""
    return (num(p.sql("SELECT count(*) FROM frames WHERE retx = 1")[0][0]) +
            num(p.sql("SELECT count(*) FROM events WHERE retx = 1")[0][0]))


@T.test
def overflow_recognised(t):
    """Past a ceiling of 4 keys the frames are stored with retx = 1; every
    retransmission is recognised (memory or the partial index)."""
    with Env(PCOD_TEST_SEEN_MAX=4):
        p = Pcod()
    t.eq(p.indexes("frames"), ["frames_retx"],
         "frames_retransmit is gone, frames_retx is there")
    fr = frames_for("5A01", 10)
    got = send_all(p, fr)
    t.eq(sorted(set(got.values())), ["ACK"], "10 frames ACKed")
    t.eq(stored(p, "5A01"), list(range(1, 11)), "10 events stored")
    c = p.counters()
    t.eq(num(c.get("retx_frames")), 6, "6 frames past the ceiling")
    t.eq(retx_rows(p), 6, "6 frames stored with retx = 1")
    t.eq(num(p.sql("SELECT count(*) FROM frames")[0][0]), 0,
         "each frame shares its only event's row (schema 17)")
    t.check("events_retx" in p.indexes("events"), "events_retx is there")
    again = send_all(p, fr)
    t.eq(sorted(set(again.values())), ["ACK"], "retransmissions ACKed")
    t.eq(stored(p, "5A01"), list(range(1, 11)),
         "retransmissions (held or past the ceiling) not stored twice")
    t.eq(num(p.counters().get("duplicates")), 10, "10 duplicates counted")
    # same account and seq, other content: a new event, past the ceiling too
    other = {7: pt.sia(7, "5A01", "Nri1/FA01"), 2: pt.sia(2, "5A01", "Nri1/FA02")}
    t.eq(send_all(p, other), {2: "ACK", 7: "ACK"}, "other content ACKed")
    t.eq(stored(p, "5A01"), sorted(list(range(1, 11)) + [2, 7]),
         "same seq, other content: stored as new")
    # the same frames under another account: new as well
    fr2 = {s: pt.sia(s, "5A02", "Nri1/BA%02d" % (s % 99 + 1)) for s in (1, 9)}
    send_all(p, fr2)
    t.eq(stored(p, "5A02"), [1, 9], "same frame, other account: new")
    # a restart: the held keys come back from the store, the rest is indexed
    p.restart()
    send_all(p, fr)
    send_all(p, other)
    t.eq(len(p.events(account="5A01")), 12, "after a restart still stored once")


@T.test
def nak_during_readback(t):
    """A slow read-back at start-up: a frame memory cannot judge yet gets a
    NAK, not a second copy; once read back it is a duplicate."""
    p = Pcod()
    fr = frames_for("5B01", 40)
    got = send_all(p, fr)
    t.eq(sorted(set(got.values())), ["ACK"], "40 frames ACKed")
    p.stop()
    with Env(PCOD_TEST_SEEN_CHUNK=1, PCOD_TEST_SEEN_PAUSE_MS=200):
        p.start()
    new = frames_for("5B01", 1, first=41)
    with p.tcp(timeout=10) as c:
        a_old = c.exchange(fr[40]).token
        a_new = c.exchange(new[41]).token
    t.eq(a_old, "NAK", "a retransmission during the read-back: NAK")
    t.eq(a_new, "NAK", "a new frame during the read-back: NAK")
    t.eq(stored(p, "5B01"), list(range(1, 41)), "nothing stored twice")
    t.check(num(p.counters().get("naks_readback")) >= 2,
            "NAKs of the read-back counted", p.counters().get("naks_readback"))
    t.check("duplicate_window_loading" in p.log(), "and logged")
    # the first start's read-back said so once already
    done = pt.wait_for(lambda: p.log().count("key(s) held in memory") >= 2,
                       30, 0.2)
    t.require(done, "the read-back ends")
    with p.tcp(timeout=10) as c:
        a_old = c.exchange(fr[40]).token
        a_first = c.exchange(fr[1]).token
        a_new = c.exchange(new[41]).token
    t.eq((a_old, a_first, a_new), ("ACK", "ACK", "ACK"), "then ACKed")
    t.eq(stored(p, "5B01"), list(range(1, 42)),
         "the retransmissions recognised, the new frame stored once")


def ack_eventually(p, frame, timeout=10):
    """Send until ACK (a NAK while a read-back runs); the answers."""
    seen = []
    deadline = time.monotonic() + timeout
    with p.tcp(timeout=10) as c:
        while time.monotonic() < deadline:
            tok = c.exchange(frame).token
            seen.append(tok)
            if tok == "ACK":
                break
            time.sleep(0.1)
    return seen


@T.test
def widened_window_read_back(t):
    """duplicate-window 2: a frame's key expires; a reload to 600 reads it
    back, so its retransmission is a duplicate, not a second event."""
    p = Pcod(conf={"duplicate-window": "2"})
    a = pt.sia(1, "5C01", "Nri1/BA01")
    t.eq(send_all(p, {1: a}), {1: "ACK"}, "frame ACKed")
    time.sleep(2.5)
    # another frame: the lookup expires the first one's key
    send_all(p, {2: pt.sia(2, "5C01", "Nri1/BA02")})
    p.write_conf(conf={"duplicate-window": "600"})
    p.send_signal(signal.SIGHUP)
    t.check(pt.wait_for(lambda: "duplicate-window widened" in p.log(), 5),
            "the reload starts a read-back")
    seen = ack_eventually(p, a)
    t.check(seen[-1] == "ACK", "the retransmission ACKed", seen)
    t.eq(stored(p, "5C01"), [1, 2], "and not stored twice")


def downgrade_to_14(p):
    """Make p's store what schema 14 left: frames_retransmit, no retx (and,
    on SQLite, the event indexes schema 16 dropped)."""
    p.downgrade_to_16()
    if pt.STORE == "pg":
        p.sql("DROP INDEX frames_retx")
        p.sql("ALTER TABLE frames DROP COLUMN retx")
        p.sql("CREATE INDEX frames_retransmit ON frames(account, seq,"
              " received_ms)")
        p.sql("UPDATE schema_version SET version = 14")
    else:
        p.sql("DROP INDEX frames_retx")
        p.sql("ALTER TABLE frames DROP COLUMN retx")
        p.sql("CREATE INDEX frames_retransmit ON frames(account, seq,"
              " received_ms)")
        p.sql("CREATE INDEX events_account ON events(account, received_ms)")
        p.sql("CREATE INDEX events_class ON events(class, received_ms)")
        p.sql("PRAGMA user_version = 14")


@T.test
def upgrade_from_14(t):
    """A schema-14 store holding frames inside the window, upgraded: their
    retransmissions are recognised (the read-back loads them)."""
    p = Pcod()
    fr = frames_for("5D01", 30)
    send_all(p, fr)
    p.stop()
    downgrade_to_14(p)
    t.eq(p.schema_version(), 14, "store back at schema 14")
    t.eq(p.indexes("frames"), ["frames_retransmit"], "with the old index")
    with Env(PCOD_TEST_SEEN_MAX=8):
        p.start()
    t.eq(p.schema_version(), pt.SCHEMA_VERSION, "migrated to the last")
    t.eq(p.indexes("frames"), ["frames_retx"], "frames_retransmit dropped")
    t.eq(retx_rows(p), 0, "old frames have no retx")
    again = send_all(p, fr)
    t.eq(sorted(set(again.values())), ["ACK"], "retransmissions ACKed")
    t.eq(stored(p, "5D01"), list(range(1, 31)),
         "frames of schema 14 recognised after the upgrade (read back past"
         " the ceiling of 8)")
    send_all(p, frames_for("5D01", 5, first=31))
    t.eq(len(p.events(account="5D01")), 35, "new frames stored")


@T.test
def upgrade_from_16(t):
    """A schema-16 store (every frame in frames) upgraded to 17: the old
    frames' retransmissions are recognised, new frames share their event's
    row, and after a restart the read-back takes keys from both shapes."""
    p = Pcod()
    fr = frames_for("5D02", 30)
    send_all(p, fr)
    p.stop()
    p.downgrade_to_16()
    t.eq(p.schema_version(), 16, "store back at schema 16")
    t.eq(num(p.sql("SELECT count(*) FROM frames")[0][0]), 30,
         "30 frames with rows of their own")
    with Env(PCOD_TEST_SEEN_MAX=8):
        p.start()
    t.eq(p.schema_version(), pt.SCHEMA_VERSION, "migrated to the last")
    t.check({"events_frame", "events_retx"} <= set(p.indexes("events")),
            "events_frame and events_retx", p.indexes("events"))
    again = send_all(p, fr)
    t.eq(sorted(set(again.values())), ["ACK"], "retransmissions ACKed")
    t.eq(stored(p, "5D02"), list(range(1, 31)),
         "old frames recognised after the upgrade")
    new = frames_for("5D02", 10, first=31)
    send_all(p, new)
    t.eq(num(p.sql("SELECT count(*) FROM frames")[0][0]), 30,
         "new frames have no row of their own")
    t.eq(num(p.sql("SELECT count(*) FROM events WHERE frame_id IS NULL AND"
                   " transport IS NOT NULL")[0][0]), 10,
         "they share their event's row")
    evs = p.events(account="5D02")
    t.eq(sorted(num(e.get("seq")) for e in evs), list(range(1, 41)),
         "the list has both shapes")
    t.eq(sorted(set((e.get("transport"), bool(e.get("peer")),
                     bool(e.get("raw"))) for e in evs)),
         [("tcp", True, True)], "with each frame's transport, peer and raw")
    p.stop()
    with Env(PCOD_TEST_SEEN_MAX=8):
        p.start()
    fr.update(new)
    again = send_all(p, fr)
    t.eq(sorted(set(again.values())), ["ACK"], "after a restart, all ACKed")
    t.eq(stored(p, "5D02"), list(range(1, 41)),
         "none stored twice: keys read back from both tables")
    p.cleanup()


class Sender(threading.Thread):
    """Frames seq 1..n of one account, one at a time; which were ACKed."""

    def __init__(self, port, acct, n):
        threading.Thread.__init__(self, daemon=True)
        self.port, self.acct, self.n = port, acct, n
        self.frames = frames_for(acct, n)
        self.acked = set()
        self.sent = 0

    def run(self):
        try:
            c = pt.TcpPanel(self.port, timeout=5)
            for seq in range(1, self.n + 1):
                c.send(self.frames[seq])
                self.sent = seq
                if c.read().token == "ACK":
                    self.acked.add(seq)
        except (pt.Closed, socket.timeout, OSError, pt.ProtocolError):
            pass


@T.test
def kill9_during_overflow(t):
    """kill -9 while memory is past its ceiling: every ACKed event is stored
    once, and after the restart every retransmission is recognised."""
    with Env(PCOD_TEST_SEEN_MAX=16):
        p = Pcod()
    senders = [Sender(p.tcp_port, "5E%02d" % i, 400) for i in range(4)]
    for s in senders:
        s.start()
    pt.wait_for(lambda: sum(len(s.acked) for s in senders) >= 300, 20, 0.01)
    p.kill9()
    for s in senders:
        s.join(10)
    acked = sum(len(s.acked) for s in senders)
    t.check(acked >= 300, "frames ACKed before the kill", acked)
    with Env(PCOD_TEST_SEEN_MAX=16):
        p.start()
    t.check(retx_rows(p) >= acked - 16, "most stored past the ceiling",
            "%d of %d" % (retx_rows(p), acked))
    bad = {}
    for s in senders:
        st = stored(p, s.acct)
        if s.acked - set(st) or len(st) != len(set(st)):
            bad[s.acct] = (sorted(s.acked - set(st))[:5], len(st) - len(set(st)))
    t.eq(bad, {}, "every ACKed event stored, none twice")
    # the panels resend everything they sent, ACKed or not
    for s in senders:
        fr = {q: s.frames[q] for q in range(1, s.sent + 1)}
        got = send_all(p, fr)
        if set(got.values()) != {"ACK"}:
            bad[s.acct] = got
    t.eq(bad, {}, "every resend ACKed")
    for s in senders:
        st = stored(p, s.acct)
        if st != list(range(1, s.sent + 1)):
            bad[s.acct] = (len(st), s.sent)
    t.eq(bad, {}, "after the resends every sent frame is stored exactly once")


if __name__ == "__main__":
    T.run()
