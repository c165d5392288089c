#!/usr/bin/python3
"""Bad input: broken frames get NAK/DUH, junk and abusive peers are handled,
the daemon stays up through all of it."""

import socket
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner()


def still_up(t, p, what):
    """The daemon answers status and ACKs a fresh frame."""
    ok = p.running()
    try:
        p.status()
        with p.tcp() as c:
            ok = ok and c.exchange(pt.null(1, "1234")).token == "ACK"
    except Exception as e:
        t.check(False, "pcod still up after %s" % what, e)
        return
    t.check(ok, "pcod still up after %s" % what)


def is_nak_now(a):
    return (a.token == "NAK" and a.seq == "0000" and a.rcvr == "0" and a.line == "0"
            and a.nak_acct and a.acct == "0" and a.data == ""
            and a.time is not None and abs(a.time - time.time()) <= 5)


@T.test
def nak_cases(t):
    p = Pcod()
    # The clock window applies to plaintext only where the account asks.
    p.add_account("1234", plain_clock=True)
    before = p.counters()
    with p.tcp() as c:
        fr = pt.sia(1, "1234", "Nri1/BA01")
        a = c.exchange(fr[:1] + b"%04X" % (int(fr[1:5], 16) ^ 0x0101) + fr[5:])
        t.check(is_nak_now(a), "bad CRC -> NAK with receiver time", a.frame)
        fr = pt.sia(2, "1234", "Nri1/BA01")
        a = c.exchange(fr[:6] + b"%03X" % (int(fr[6:9], 16) + 1) + fr[9:])
        t.check(is_nak_now(a), "bad length -> NAK", a.frame)
        # well-formed CRC/length around something that is not a frame
        span = b'"SIA-DCS"12R1L1#1234[#1234|Nri1/BA01]'
        junk = b"\n%04X0%03X" % (pt.crc16(span), len(span)) + span + b"\r"
        a = c.exchange(junk)
        t.check(a.token == "NAK", "unparseable frame (short seq) -> NAK", a.frame)
        a = c.exchange(pt.sia(3, "1234", "Nri1/BA01", ts=time.time() - 120))
        t.check(is_nak_now(a), "timestamp 120 s behind -> NAK with current time", a.frame)
        a = c.exchange(pt.sia(4, "1234", "Nri1/BA01", ts=time.time() + 60))
        t.check(is_nak_now(a), "timestamp 60 s ahead -> NAK", a.frame)
        a = c.exchange(pt.sia(5, "1234", "Nri1/BA01", ts=time.time() - 30))
        t.eq(a.token, "ACK", "timestamp 30 s behind (inside window) -> ACK")
        a = c.exchange(pt.sia(6, "1234", "Nri1/BA01", ts=time.time() + 10))
        t.eq(a.token, "ACK", "timestamp 10 s ahead (inside window) -> ACK")
    evs = p.events(account="1234")
    t.eq(sorted(num(e.get("seq")) for e in evs), [5, 6], "NAKed frames not stored")
    after = p.counters()
    rb, ra = before.get("rejected", {}), after.get("rejected", {})
    t.check(num(ra.get("crc", 0)) - num(rb.get("crc", 0)) == 1, "rejected.crc counted",
            ra)
    t.check(num(ra.get("length", 0)) - num(rb.get("length", 0)) == 1,
            "rejected.length counted", ra)
    t.check(num(ra.get("time", 0)) - num(rb.get("time", 0)) == 2, "rejected.time counted", ra)
    t.check(num(after.get("naks")) - num(before.get("naks", 0)) >= 5, "naks counted",
            after.get("naks"))
    with p.udp() as u:
        a = u.exchange(pt.sia(7, "1234", "Nri1/BA01", crc=0))
        t.check(a.token == "NAK", "bad CRC over UDP -> NAK", a.frame)
    still_up(t, p, "NAK cases")


@T.test
def duh_cases(t):
    p = Pcod()
    p.add_account("1234")
    with p.tcp() as c:
        a = c.exchange(pt.build("FOO-BAR", 21, "1234", "#1234|Nri1/BA01"))
        t.eq((a.token, a.seq, a.rcvr, a.line, a.acct), ("DUH", "0021", "1", "1", "1234"),
             "unknown token -> DUH echoing seq/R/L/acct")
        # Issue 7: a sound frame whose payload cannot be decoded is stored
        # (class other, with the reason) and ACKed, not answered DUH.
        a = c.exchange(pt.cid(22, "1234", "XYZ"))
        t.eq(a.token, "ACK", "undecodable CID data -> ACK")
        a = c.exchange(pt.sia(23, "1234", "Nri1/BA01"))
        t.eq(a.token, "ACK", "connection still usable after DUH")
    rej = p.counters().get("rejected", {})
    t.check(num(rej.get("token", 0)) >= 1, "rejected.token counted", rej)
    und = [e for e in p.events(account="1234")
           if str(e.get("text", "")).startswith("Undecodable CID data: ")]
    t.eq([(e.get("class"), e.get("code"), e.get("format")) for e in und],
         [("other", "", "CID")], "undecodable CID data stored once as class other")


@T.test
def unknown_account_reject(t):
    p = Pcod(conf={"unknown-accounts": "reject"})
    p.add_account("1234")
    with p.tcp() as c:
        a = c.exchange(pt.sia(31, "BEEF", "Nri1/BA01"))
        t.eq((a.token, a.seq, a.acct), ("DUH", "0031", "BEEF"),
             "unknown account -> DUH under unknown-accounts reject")
        a = c.exchange(pt.sia(32, "1234", "Nri1/BA01"))
        t.eq(a.token, "ACK", "known account still ACKed under reject")
    with p.udp() as u:
        t.eq(u.exchange(pt.sia(33, "BEEF", "Nri1/BA01")).token, "DUH",
             "unknown account over UDP -> DUH")
    t.eq(len(p.events(account="BEEF")), 0, "rejected account not stored")
    rej = p.counters().get("rejected", {})
    t.check(num(rej.get("unknown_account", 0)) >= 2, "rejected.unknown_account counted", rej)


@T.test
def junk_and_abuse(t):
    p = Pcod()
    p.add_account("1234")
    with p.tcp() as c:
        c.send(b"GET / HTTP/1.0\r" + bytes(range(1, 10)) + b"\xff\xfe\r\r")
        a = c.exchange(pt.sia(41, "1234", "Nri1/BA01"))
        t.eq((a.token, a.seq), ("ACK", "0041"), "junk before an LF skipped; next frame ACKed")
        # junk between pipelined frames; an LF..CR run of junk is a bad frame (NAK)
        c.send(b"xyz" + pt.sia(42, "1234", "Nri1/BA01") + b"\x00\x01junk"
               + pt.sia(43, "1234", "Nri1/BA01") + b"\nHost: x\r"
               + pt.sia(44, "1234", "Nri1/BA01"))
        got = [(a.token, a.seq) for a in (c.read() for _ in range(4))]
        t.eq(got, [("ACK", "0042"), ("ACK", "0043"), ("NAK", "0000"), ("ACK", "0044")],
             "junk between frames skipped, LF..CR junk NAKed, order kept")
    with p.tcp() as c:
        c.send(b"\n" + b"A" * 2000)
        a = c.read()
        t.check(is_nak_now(a), "LF + 2000 bytes without CR (max-frame 1024) -> NAK", a.frame)
        a = c.exchange(pt.sia(45, "1234", "Nri1/BA01"))
        t.eq((a.token, a.seq), ("ACK", "0045"), "after the NAK the next LF starts a frame")
    still_up(t, p, "endless line")
    # an unfinished frame is closed by frame-timeout: test_listen_limits.py
    with p.tcp() as c:
        t0 = time.monotonic()
        closed = c.wait_closed(6)
        dt = time.monotonic() - t0
        t.check(closed and 1.0 <= dt <= 5.0, "silent client closed after idle-timeout",
                "closed=%s after %.1f s" % (closed, dt))
    with p.udp() as u:
        u.send(b"just junk")
        u.send(b"\n\r")
        u.send(b"")
        try:
            a = u.read(timeout=1)
            t.check(a.token == "NAK", "junk datagram gets a NAK or nothing", a.frame)
        except socket.timeout:
            t.check(True, "junk datagram gets a NAK or nothing")
        except pt.ProtocolError as e:
            t.check(False, "junk datagram gets a NAK or nothing", e)
    still_up(t, p, "junk, endless line and idle clients")


@T.test
def many_connections(t):
    p = Pcod(conf={"listen tcp": "127.0.0.1:{tcp} idle-timeout 10 max-frame 1024 "
                                 "max-connections 1000 max-per-address 500"})
    p.add_account("5001")
    conns = []
    try:
        for i in range(200):
            conns.append(p.tcp(timeout=10))
        for i, c in enumerate(conns):
            c.send(pt.sia(i + 1, "5001", "Nri1/BA01"))
        bad = []
        for i, c in enumerate(conns):
            try:
                a = c.read()
                if (a.token, a.seq) != ("ACK", "%04d" % (i + 1)):
                    bad.append((i, a.token, a.seq))
            except Exception as e:
                bad.append((i, repr(e)))
        t.eq(bad[:5], [], "200 concurrent connections each got its ACK")
        st = p.counters()
        t.check(num(st.get("connections_open")) >= 200, "connections_open counts them",
                st.get("connections_open"))
    finally:
        for c in conns:
            c.close()
    t.eq(len(p.events(account="5001", limit=1000)), 200, "200 events stored")
    ok = pt.wait_for(lambda: num(p.counters().get("connections_open")) <= 1, 3)
    t.check(ok, "connections_open falls back after close")
    still_up(t, p, "200 connections")


@T.test
def per_address_limit(t):
    p = Pcod(conf={"listen tcp": "127.0.0.1:{tcp} idle-timeout 10 max-frame 1024 "
                                 "max-connections 1000 max-per-address 8"})
    conns, acks, refused = [], 0, 0
    # the start-up probe's connection must be gone before we count
    pt.wait_for(lambda: num(p.counters().get("connections_open")) == 0, 3)
    try:
        for i in range(12):
            try:
                conns.append(p.tcp(timeout=3))
            except OSError:
                refused += 1
        for i, c in enumerate(conns):
            try:
                c.send(pt.null(i + 1, "1234"))
            except OSError:
                pass
        for c in conns:
            try:
                if c.read(timeout=3).token == "ACK":
                    acks += 1
            except (pt.Closed, socket.timeout, OSError):
                refused += 1
    finally:
        for c in conns:
            c.close()
    t.check(acks == 8 and refused == 4, "max-per-address 8: 8 served, 4 refused",
            "acks=%d refused=%d" % (acks, refused))
    still_up(t, p, "per-address limit")


@T.test
def refusal_log_is_bounded(t):
    p = Pcod()
    before = num(p.counters().get("rejected", {}).get("crc", 0))
    n = 300
    with p.tcp() as c:
        for i in range(n):
            fr = pt.sia(1 + i % 9000, "1234", "Nri1/BA01")
            c.sock.sendall(fr[:1] + b"%04X" % (int(fr[1:5], 16) ^ 0x0101) + fr[5:])
        got = 0
        while got < n:
            c.read_frame()
            got += 1
    time.sleep(1.1)
    with p.tcp() as c:
        fr = pt.sia(2, "1234", "Nri1/BA01")
        c.exchange(fr[:1] + b"%04X" % (int(fr[1:5], 16) ^ 0x0101) + fr[5:])
    log = p.log()
    lines = log.count("reject=crc")
    t.eq(num(p.counters().get("rejected", {}).get("crc", 0)) - before, n + 1,
         "every refusal is counted")
    t.check(lines < n, "refusal lines are capped per second (%d logged of %d)" % (lines, n + 1))
    t.check("not logged in the last second" in log, "the suppressed lines are reported")
    still_up(t, p, "refusal flood")


if __name__ == "__main__":
    T.run()
